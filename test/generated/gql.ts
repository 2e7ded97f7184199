/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Blob($repository: String!, $digest: Digest!) {\n  repository(name: $repository) {\n    blob(digest: $digest) {\n      digest\n      size\n      mediaType\n    }\n  }\n}": typeof types.BlobDocument,
    "query FirstPushStatus($repository: String!, $id: String!, $digest: Digest!) {\n  upload(repository: $repository, id: $id) {\n    id\n    offset\n  }\n  blob(repository: $repository, digest: $digest) {\n    digest\n    size\n  }\n  repository(name: $repository) {\n    name\n  }\n}": typeof types.FirstPushStatusDocument,
    "query Image($reference: String!) {\n  image(reference: $reference) {\n    ...ManifestFields\n  }\n}": typeof types.ImageDocument,
    "fragment ManifestFields on Manifest {\n  __typename\n  digest\n  mediaType\n  schemaVersion\n  size\n  tags {\n    name\n  }\n  annotations\n  subject {\n    digest\n  }\n  ... on ImageManifest {\n    artifactType\n    totalSize\n    platform {\n      os\n      architecture\n      variant\n    }\n    config {\n      digest\n      created\n      os\n      architecture\n      env\n      entrypoint\n      cmd\n      exposedPorts\n      labels {\n        key\n        value\n      }\n      history {\n        createdBy\n        emptyLayer\n      }\n      diffIds\n      raw\n    }\n    layers {\n      index\n      digest\n      size\n      mediaType\n      diffId\n      createdBy\n    }\n  }\n  ... on ImageIndex {\n    manifests {\n      digest\n      mediaType\n      size\n      platform {\n        os\n        architecture\n        variant\n      }\n      manifest {\n        digest\n      }\n    }\n    amd64: forPlatform(os: \"linux\", architecture: \"amd64\") {\n      digest\n    }\n  }\n  ... on Schema1Manifest {\n    name\n    tag\n    architecture\n    fsLayers\n    signed\n  }\n}": typeof types.ManifestFieldsFragmentDoc,
    "mutation CancelUpload($repository: String!, $id: String!) {\n  cancelUpload(repository: $repository, id: $id)\n}": typeof types.CancelUploadDocument,
    "mutation CompleteUpload($repository: String!, $id: String!, $digest: Digest!, $chunk: File) {\n  completeUpload(repository: $repository, id: $id, digest: $digest, chunk: $chunk) {\n    ...UploadedBlob\n  }\n}": typeof types.CompleteUploadDocument,
    "mutation DeleteBlob($repository: String!, $digest: Digest!) {\n  deleteBlob(repository: $repository, digest: $digest) {\n    digest\n    deletedTags\n  }\n}": typeof types.DeleteBlobDocument,
    "mutation DeleteManifest($repository: String!, $digest: Digest!) {\n  deleteManifest(repository: $repository, digest: $digest) {\n    digest\n    deletedTags\n  }\n}": typeof types.DeleteManifestDocument,
    "mutation DeleteTag($repository: String!, $tag: String!) {\n  deleteTag(repository: $repository, tag: $tag) {\n    digest\n    deletedTags\n  }\n}": typeof types.DeleteTagDocument,
    "mutation MountBlob($repository: String!, $digest: Digest!, $from: String!) {\n  mountBlob(repository: $repository, digest: $digest, from: $from) {\n    ...UploadedBlob\n  }\n}": typeof types.MountBlobDocument,
    "mutation PutManifest($repository: String!, $reference: String!, $manifest: String!, $mediaType: String) {\n  putManifest(\n    repository: $repository\n    reference: $reference\n    manifest: $manifest\n    mediaType: $mediaType\n  ) {\n    __typename\n    digest\n    mediaType\n    size\n    raw\n    tags {\n      name\n    }\n    ... on ImageManifest {\n      config {\n        digest\n      }\n      layers {\n        digest\n      }\n    }\n    ... on ImageIndex {\n      manifests {\n        digest\n      }\n    }\n  }\n}": typeof types.PutManifestDocument,
    "mutation StartUpload($repository: String!) {\n  startUpload(repository: $repository) {\n    ...UploadFields\n  }\n}": typeof types.StartUploadDocument,
    "mutation TagManifest($repository: String!, $source: String!, $tag: String!) {\n  tagManifest(repository: $repository, source: $source, tag: $tag) {\n    name\n    digest\n    manifest {\n      __typename\n      digest\n      mediaType\n    }\n  }\n}": typeof types.TagManifestDocument,
    "mutation UploadBlob($repository: String!, $file: File!, $digest: Digest) {\n  uploadBlob(repository: $repository, file: $file, digest: $digest) {\n    ...UploadedBlob\n  }\n}": typeof types.UploadBlobDocument,
    "mutation UploadChunk($repository: String!, $id: String!, $chunk: File!) {\n  uploadChunk(repository: $repository, id: $id, chunk: $chunk) {\n    ...UploadFields\n  }\n}": typeof types.UploadChunkDocument,
    "fragment UploadFields on Upload {\n  id\n  offset\n  repository {\n    name\n  }\n}\n\nfragment UploadedBlob on Blob {\n  digest\n  size\n  repository {\n    name\n  }\n}": typeof types.UploadFieldsFragmentDoc,
    "query UploadStatus($repository: String!, $id: String!) {\n  repository(name: $repository) {\n    upload(id: $id) {\n      ...UploadFields\n    }\n  }\n}": typeof types.UploadStatusDocument,
    "query Negotiate($repository: String!, $reference: String!, $accept: [String!]) {\n  manifestNegotiation(\n    repository: $repository\n    reference: $reference\n    accept: $accept\n  ) {\n    accept\n    status\n    mediaType\n    digest\n    size\n    body\n  }\n}": typeof types.NegotiateDocument,
    "query Node($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on Repository {\n      name\n    }\n    ... on Tag {\n      name\n      repository {\n        name\n      }\n    }\n  }\n}": typeof types.NodeDocument,
    "query RedisImage($reference: String!) {\n  image(reference: $reference) {\n    __typename\n    digest\n    mediaType\n    size\n    ... on ImageManifest {\n      config {\n        digest\n        created\n        os\n        architecture\n        env\n      }\n      layers {\n        digest\n        size\n        diffId\n        createdBy\n      }\n    }\n  }\n}": typeof types.RedisImageDocument,
    "query Referrers($repository: String!, $reference: String!, $artifactType: String) {\n  repository(name: $repository) {\n    manifest(reference: $reference) {\n      digest\n      referrers(artifactType: $artifactType) {\n        digest\n        mediaType\n        artifactType\n        size\n        annotations\n        manifest {\n          digest\n        }\n      }\n    }\n  }\n}": typeof types.ReferrersDocument,
    "query RegistryStatus {\n  registry {\n    url\n    reachable\n    apiVersion\n    authScheme\n    rateLimit {\n      limit\n      remaining\n      windowSeconds\n    }\n  }\n}": typeof types.RegistryStatusDocument,
    "query Repositories($first: Int, $after: String, $namePrefix: String) {\n  repositories(first: $first, after: $after, namePrefix: $namePrefix) {\n    edges {\n      cursor\n      node {\n        id\n        name\n      }\n    }\n    nodes {\n      id\n      name\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.RepositoriesDocument,
    "query RepositoryFanOut($name: String!) {\n  repository(name: $name) {\n    tags(first: 100) {\n      totalCount\n      nodes {\n        name\n        digest\n        manifest {\n          __typename\n          digest\n          tags {\n            name\n          }\n          ... on ImageManifest {\n            totalSize\n            platform {\n              os\n              architecture\n            }\n            config {\n              created\n              labels {\n                key\n                value\n              }\n            }\n            layers {\n              digest\n              size\n              diffId\n              createdBy\n            }\n          }\n          ... on ImageIndex {\n            manifests {\n              platform {\n                os\n                architecture\n                variant\n              }\n              manifest {\n                digest\n                ... on ImageManifest {\n                  totalSize\n                  config {\n                    created\n                  }\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n}": typeof types.RepositoryFanOutDocument,
    "query RepositoryManifest($name: String!, $reference: String!) {\n  repository(name: $name) {\n    name\n    manifest(reference: $reference) {\n      digest\n      size\n    }\n  }\n}": typeof types.RepositoryManifestDocument,
    "query RepositoryTags($name: String!, $first: Int, $after: String, $filter: TagFilter, $orderBy: TagOrder) {\n  repository(name: $name) {\n    id\n    name\n    tags(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          name\n          digest\n          pullReference\n        }\n      }\n    }\n  }\n}": typeof types.RepositoryTagsDocument,
    "query TagDetails($repository: String!, $tag: String!) {\n  repository(name: $repository) {\n    tag(name: $tag) {\n      name\n      digest\n      manifest {\n        ...ManifestFields\n      }\n    }\n  }\n}": typeof types.TagDetailsDocument,
};
const documents: Documents = {
    "query Blob($repository: String!, $digest: Digest!) {\n  repository(name: $repository) {\n    blob(digest: $digest) {\n      digest\n      size\n      mediaType\n    }\n  }\n}": types.BlobDocument,
    "query FirstPushStatus($repository: String!, $id: String!, $digest: Digest!) {\n  upload(repository: $repository, id: $id) {\n    id\n    offset\n  }\n  blob(repository: $repository, digest: $digest) {\n    digest\n    size\n  }\n  repository(name: $repository) {\n    name\n  }\n}": types.FirstPushStatusDocument,
    "query Image($reference: String!) {\n  image(reference: $reference) {\n    ...ManifestFields\n  }\n}": types.ImageDocument,
    "fragment ManifestFields on Manifest {\n  __typename\n  digest\n  mediaType\n  schemaVersion\n  size\n  tags {\n    name\n  }\n  annotations\n  subject {\n    digest\n  }\n  ... on ImageManifest {\n    artifactType\n    totalSize\n    platform {\n      os\n      architecture\n      variant\n    }\n    config {\n      digest\n      created\n      os\n      architecture\n      env\n      entrypoint\n      cmd\n      exposedPorts\n      labels {\n        key\n        value\n      }\n      history {\n        createdBy\n        emptyLayer\n      }\n      diffIds\n      raw\n    }\n    layers {\n      index\n      digest\n      size\n      mediaType\n      diffId\n      createdBy\n    }\n  }\n  ... on ImageIndex {\n    manifests {\n      digest\n      mediaType\n      size\n      platform {\n        os\n        architecture\n        variant\n      }\n      manifest {\n        digest\n      }\n    }\n    amd64: forPlatform(os: \"linux\", architecture: \"amd64\") {\n      digest\n    }\n  }\n  ... on Schema1Manifest {\n    name\n    tag\n    architecture\n    fsLayers\n    signed\n  }\n}": types.ManifestFieldsFragmentDoc,
    "mutation CancelUpload($repository: String!, $id: String!) {\n  cancelUpload(repository: $repository, id: $id)\n}": types.CancelUploadDocument,
    "mutation CompleteUpload($repository: String!, $id: String!, $digest: Digest!, $chunk: File) {\n  completeUpload(repository: $repository, id: $id, digest: $digest, chunk: $chunk) {\n    ...UploadedBlob\n  }\n}": types.CompleteUploadDocument,
    "mutation DeleteBlob($repository: String!, $digest: Digest!) {\n  deleteBlob(repository: $repository, digest: $digest) {\n    digest\n    deletedTags\n  }\n}": types.DeleteBlobDocument,
    "mutation DeleteManifest($repository: String!, $digest: Digest!) {\n  deleteManifest(repository: $repository, digest: $digest) {\n    digest\n    deletedTags\n  }\n}": types.DeleteManifestDocument,
    "mutation DeleteTag($repository: String!, $tag: String!) {\n  deleteTag(repository: $repository, tag: $tag) {\n    digest\n    deletedTags\n  }\n}": types.DeleteTagDocument,
    "mutation MountBlob($repository: String!, $digest: Digest!, $from: String!) {\n  mountBlob(repository: $repository, digest: $digest, from: $from) {\n    ...UploadedBlob\n  }\n}": types.MountBlobDocument,
    "mutation PutManifest($repository: String!, $reference: String!, $manifest: String!, $mediaType: String) {\n  putManifest(\n    repository: $repository\n    reference: $reference\n    manifest: $manifest\n    mediaType: $mediaType\n  ) {\n    __typename\n    digest\n    mediaType\n    size\n    raw\n    tags {\n      name\n    }\n    ... on ImageManifest {\n      config {\n        digest\n      }\n      layers {\n        digest\n      }\n    }\n    ... on ImageIndex {\n      manifests {\n        digest\n      }\n    }\n  }\n}": types.PutManifestDocument,
    "mutation StartUpload($repository: String!) {\n  startUpload(repository: $repository) {\n    ...UploadFields\n  }\n}": types.StartUploadDocument,
    "mutation TagManifest($repository: String!, $source: String!, $tag: String!) {\n  tagManifest(repository: $repository, source: $source, tag: $tag) {\n    name\n    digest\n    manifest {\n      __typename\n      digest\n      mediaType\n    }\n  }\n}": types.TagManifestDocument,
    "mutation UploadBlob($repository: String!, $file: File!, $digest: Digest) {\n  uploadBlob(repository: $repository, file: $file, digest: $digest) {\n    ...UploadedBlob\n  }\n}": types.UploadBlobDocument,
    "mutation UploadChunk($repository: String!, $id: String!, $chunk: File!) {\n  uploadChunk(repository: $repository, id: $id, chunk: $chunk) {\n    ...UploadFields\n  }\n}": types.UploadChunkDocument,
    "fragment UploadFields on Upload {\n  id\n  offset\n  repository {\n    name\n  }\n}\n\nfragment UploadedBlob on Blob {\n  digest\n  size\n  repository {\n    name\n  }\n}": types.UploadFieldsFragmentDoc,
    "query UploadStatus($repository: String!, $id: String!) {\n  repository(name: $repository) {\n    upload(id: $id) {\n      ...UploadFields\n    }\n  }\n}": types.UploadStatusDocument,
    "query Negotiate($repository: String!, $reference: String!, $accept: [String!]) {\n  manifestNegotiation(\n    repository: $repository\n    reference: $reference\n    accept: $accept\n  ) {\n    accept\n    status\n    mediaType\n    digest\n    size\n    body\n  }\n}": types.NegotiateDocument,
    "query Node($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on Repository {\n      name\n    }\n    ... on Tag {\n      name\n      repository {\n        name\n      }\n    }\n  }\n}": types.NodeDocument,
    "query RedisImage($reference: String!) {\n  image(reference: $reference) {\n    __typename\n    digest\n    mediaType\n    size\n    ... on ImageManifest {\n      config {\n        digest\n        created\n        os\n        architecture\n        env\n      }\n      layers {\n        digest\n        size\n        diffId\n        createdBy\n      }\n    }\n  }\n}": types.RedisImageDocument,
    "query Referrers($repository: String!, $reference: String!, $artifactType: String) {\n  repository(name: $repository) {\n    manifest(reference: $reference) {\n      digest\n      referrers(artifactType: $artifactType) {\n        digest\n        mediaType\n        artifactType\n        size\n        annotations\n        manifest {\n          digest\n        }\n      }\n    }\n  }\n}": types.ReferrersDocument,
    "query RegistryStatus {\n  registry {\n    url\n    reachable\n    apiVersion\n    authScheme\n    rateLimit {\n      limit\n      remaining\n      windowSeconds\n    }\n  }\n}": types.RegistryStatusDocument,
    "query Repositories($first: Int, $after: String, $namePrefix: String) {\n  repositories(first: $first, after: $after, namePrefix: $namePrefix) {\n    edges {\n      cursor\n      node {\n        id\n        name\n      }\n    }\n    nodes {\n      id\n      name\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.RepositoriesDocument,
    "query RepositoryFanOut($name: String!) {\n  repository(name: $name) {\n    tags(first: 100) {\n      totalCount\n      nodes {\n        name\n        digest\n        manifest {\n          __typename\n          digest\n          tags {\n            name\n          }\n          ... on ImageManifest {\n            totalSize\n            platform {\n              os\n              architecture\n            }\n            config {\n              created\n              labels {\n                key\n                value\n              }\n            }\n            layers {\n              digest\n              size\n              diffId\n              createdBy\n            }\n          }\n          ... on ImageIndex {\n            manifests {\n              platform {\n                os\n                architecture\n                variant\n              }\n              manifest {\n                digest\n                ... on ImageManifest {\n                  totalSize\n                  config {\n                    created\n                  }\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n}": types.RepositoryFanOutDocument,
    "query RepositoryManifest($name: String!, $reference: String!) {\n  repository(name: $name) {\n    name\n    manifest(reference: $reference) {\n      digest\n      size\n    }\n  }\n}": types.RepositoryManifestDocument,
    "query RepositoryTags($name: String!, $first: Int, $after: String, $filter: TagFilter, $orderBy: TagOrder) {\n  repository(name: $name) {\n    id\n    name\n    tags(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          name\n          digest\n          pullReference\n        }\n      }\n    }\n  }\n}": types.RepositoryTagsDocument,
    "query TagDetails($repository: String!, $tag: String!) {\n  repository(name: $repository) {\n    tag(name: $tag) {\n      name\n      digest\n      manifest {\n        ...ManifestFields\n      }\n    }\n  }\n}": types.TagDetailsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Blob($repository: String!, $digest: Digest!) {\n  repository(name: $repository) {\n    blob(digest: $digest) {\n      digest\n      size\n      mediaType\n    }\n  }\n}"): (typeof documents)["query Blob($repository: String!, $digest: Digest!) {\n  repository(name: $repository) {\n    blob(digest: $digest) {\n      digest\n      size\n      mediaType\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query FirstPushStatus($repository: String!, $id: String!, $digest: Digest!) {\n  upload(repository: $repository, id: $id) {\n    id\n    offset\n  }\n  blob(repository: $repository, digest: $digest) {\n    digest\n    size\n  }\n  repository(name: $repository) {\n    name\n  }\n}"): (typeof documents)["query FirstPushStatus($repository: String!, $id: String!, $digest: Digest!) {\n  upload(repository: $repository, id: $id) {\n    id\n    offset\n  }\n  blob(repository: $repository, digest: $digest) {\n    digest\n    size\n  }\n  repository(name: $repository) {\n    name\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Image($reference: String!) {\n  image(reference: $reference) {\n    ...ManifestFields\n  }\n}"): (typeof documents)["query Image($reference: String!) {\n  image(reference: $reference) {\n    ...ManifestFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ManifestFields on Manifest {\n  __typename\n  digest\n  mediaType\n  schemaVersion\n  size\n  tags {\n    name\n  }\n  annotations\n  subject {\n    digest\n  }\n  ... on ImageManifest {\n    artifactType\n    totalSize\n    platform {\n      os\n      architecture\n      variant\n    }\n    config {\n      digest\n      created\n      os\n      architecture\n      env\n      entrypoint\n      cmd\n      exposedPorts\n      labels {\n        key\n        value\n      }\n      history {\n        createdBy\n        emptyLayer\n      }\n      diffIds\n      raw\n    }\n    layers {\n      index\n      digest\n      size\n      mediaType\n      diffId\n      createdBy\n    }\n  }\n  ... on ImageIndex {\n    manifests {\n      digest\n      mediaType\n      size\n      platform {\n        os\n        architecture\n        variant\n      }\n      manifest {\n        digest\n      }\n    }\n    amd64: forPlatform(os: \"linux\", architecture: \"amd64\") {\n      digest\n    }\n  }\n  ... on Schema1Manifest {\n    name\n    tag\n    architecture\n    fsLayers\n    signed\n  }\n}"): (typeof documents)["fragment ManifestFields on Manifest {\n  __typename\n  digest\n  mediaType\n  schemaVersion\n  size\n  tags {\n    name\n  }\n  annotations\n  subject {\n    digest\n  }\n  ... on ImageManifest {\n    artifactType\n    totalSize\n    platform {\n      os\n      architecture\n      variant\n    }\n    config {\n      digest\n      created\n      os\n      architecture\n      env\n      entrypoint\n      cmd\n      exposedPorts\n      labels {\n        key\n        value\n      }\n      history {\n        createdBy\n        emptyLayer\n      }\n      diffIds\n      raw\n    }\n    layers {\n      index\n      digest\n      size\n      mediaType\n      diffId\n      createdBy\n    }\n  }\n  ... on ImageIndex {\n    manifests {\n      digest\n      mediaType\n      size\n      platform {\n        os\n        architecture\n        variant\n      }\n      manifest {\n        digest\n      }\n    }\n    amd64: forPlatform(os: \"linux\", architecture: \"amd64\") {\n      digest\n    }\n  }\n  ... on Schema1Manifest {\n    name\n    tag\n    architecture\n    fsLayers\n    signed\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CancelUpload($repository: String!, $id: String!) {\n  cancelUpload(repository: $repository, id: $id)\n}"): (typeof documents)["mutation CancelUpload($repository: String!, $id: String!) {\n  cancelUpload(repository: $repository, id: $id)\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CompleteUpload($repository: String!, $id: String!, $digest: Digest!, $chunk: File) {\n  completeUpload(repository: $repository, id: $id, digest: $digest, chunk: $chunk) {\n    ...UploadedBlob\n  }\n}"): (typeof documents)["mutation CompleteUpload($repository: String!, $id: String!, $digest: Digest!, $chunk: File) {\n  completeUpload(repository: $repository, id: $id, digest: $digest, chunk: $chunk) {\n    ...UploadedBlob\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteBlob($repository: String!, $digest: Digest!) {\n  deleteBlob(repository: $repository, digest: $digest) {\n    digest\n    deletedTags\n  }\n}"): (typeof documents)["mutation DeleteBlob($repository: String!, $digest: Digest!) {\n  deleteBlob(repository: $repository, digest: $digest) {\n    digest\n    deletedTags\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteManifest($repository: String!, $digest: Digest!) {\n  deleteManifest(repository: $repository, digest: $digest) {\n    digest\n    deletedTags\n  }\n}"): (typeof documents)["mutation DeleteManifest($repository: String!, $digest: Digest!) {\n  deleteManifest(repository: $repository, digest: $digest) {\n    digest\n    deletedTags\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteTag($repository: String!, $tag: String!) {\n  deleteTag(repository: $repository, tag: $tag) {\n    digest\n    deletedTags\n  }\n}"): (typeof documents)["mutation DeleteTag($repository: String!, $tag: String!) {\n  deleteTag(repository: $repository, tag: $tag) {\n    digest\n    deletedTags\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation MountBlob($repository: String!, $digest: Digest!, $from: String!) {\n  mountBlob(repository: $repository, digest: $digest, from: $from) {\n    ...UploadedBlob\n  }\n}"): (typeof documents)["mutation MountBlob($repository: String!, $digest: Digest!, $from: String!) {\n  mountBlob(repository: $repository, digest: $digest, from: $from) {\n    ...UploadedBlob\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PutManifest($repository: String!, $reference: String!, $manifest: String!, $mediaType: String) {\n  putManifest(\n    repository: $repository\n    reference: $reference\n    manifest: $manifest\n    mediaType: $mediaType\n  ) {\n    __typename\n    digest\n    mediaType\n    size\n    raw\n    tags {\n      name\n    }\n    ... on ImageManifest {\n      config {\n        digest\n      }\n      layers {\n        digest\n      }\n    }\n    ... on ImageIndex {\n      manifests {\n        digest\n      }\n    }\n  }\n}"): (typeof documents)["mutation PutManifest($repository: String!, $reference: String!, $manifest: String!, $mediaType: String) {\n  putManifest(\n    repository: $repository\n    reference: $reference\n    manifest: $manifest\n    mediaType: $mediaType\n  ) {\n    __typename\n    digest\n    mediaType\n    size\n    raw\n    tags {\n      name\n    }\n    ... on ImageManifest {\n      config {\n        digest\n      }\n      layers {\n        digest\n      }\n    }\n    ... on ImageIndex {\n      manifests {\n        digest\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation StartUpload($repository: String!) {\n  startUpload(repository: $repository) {\n    ...UploadFields\n  }\n}"): (typeof documents)["mutation StartUpload($repository: String!) {\n  startUpload(repository: $repository) {\n    ...UploadFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation TagManifest($repository: String!, $source: String!, $tag: String!) {\n  tagManifest(repository: $repository, source: $source, tag: $tag) {\n    name\n    digest\n    manifest {\n      __typename\n      digest\n      mediaType\n    }\n  }\n}"): (typeof documents)["mutation TagManifest($repository: String!, $source: String!, $tag: String!) {\n  tagManifest(repository: $repository, source: $source, tag: $tag) {\n    name\n    digest\n    manifest {\n      __typename\n      digest\n      mediaType\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UploadBlob($repository: String!, $file: File!, $digest: Digest) {\n  uploadBlob(repository: $repository, file: $file, digest: $digest) {\n    ...UploadedBlob\n  }\n}"): (typeof documents)["mutation UploadBlob($repository: String!, $file: File!, $digest: Digest) {\n  uploadBlob(repository: $repository, file: $file, digest: $digest) {\n    ...UploadedBlob\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UploadChunk($repository: String!, $id: String!, $chunk: File!) {\n  uploadChunk(repository: $repository, id: $id, chunk: $chunk) {\n    ...UploadFields\n  }\n}"): (typeof documents)["mutation UploadChunk($repository: String!, $id: String!, $chunk: File!) {\n  uploadChunk(repository: $repository, id: $id, chunk: $chunk) {\n    ...UploadFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment UploadFields on Upload {\n  id\n  offset\n  repository {\n    name\n  }\n}\n\nfragment UploadedBlob on Blob {\n  digest\n  size\n  repository {\n    name\n  }\n}"): (typeof documents)["fragment UploadFields on Upload {\n  id\n  offset\n  repository {\n    name\n  }\n}\n\nfragment UploadedBlob on Blob {\n  digest\n  size\n  repository {\n    name\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query UploadStatus($repository: String!, $id: String!) {\n  repository(name: $repository) {\n    upload(id: $id) {\n      ...UploadFields\n    }\n  }\n}"): (typeof documents)["query UploadStatus($repository: String!, $id: String!) {\n  repository(name: $repository) {\n    upload(id: $id) {\n      ...UploadFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Negotiate($repository: String!, $reference: String!, $accept: [String!]) {\n  manifestNegotiation(\n    repository: $repository\n    reference: $reference\n    accept: $accept\n  ) {\n    accept\n    status\n    mediaType\n    digest\n    size\n    body\n  }\n}"): (typeof documents)["query Negotiate($repository: String!, $reference: String!, $accept: [String!]) {\n  manifestNegotiation(\n    repository: $repository\n    reference: $reference\n    accept: $accept\n  ) {\n    accept\n    status\n    mediaType\n    digest\n    size\n    body\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Node($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on Repository {\n      name\n    }\n    ... on Tag {\n      name\n      repository {\n        name\n      }\n    }\n  }\n}"): (typeof documents)["query Node($id: ID!) {\n  node(id: $id) {\n    __typename\n    id\n    ... on Repository {\n      name\n    }\n    ... on Tag {\n      name\n      repository {\n        name\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query RedisImage($reference: String!) {\n  image(reference: $reference) {\n    __typename\n    digest\n    mediaType\n    size\n    ... on ImageManifest {\n      config {\n        digest\n        created\n        os\n        architecture\n        env\n      }\n      layers {\n        digest\n        size\n        diffId\n        createdBy\n      }\n    }\n  }\n}"): (typeof documents)["query RedisImage($reference: String!) {\n  image(reference: $reference) {\n    __typename\n    digest\n    mediaType\n    size\n    ... on ImageManifest {\n      config {\n        digest\n        created\n        os\n        architecture\n        env\n      }\n      layers {\n        digest\n        size\n        diffId\n        createdBy\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Referrers($repository: String!, $reference: String!, $artifactType: String) {\n  repository(name: $repository) {\n    manifest(reference: $reference) {\n      digest\n      referrers(artifactType: $artifactType) {\n        digest\n        mediaType\n        artifactType\n        size\n        annotations\n        manifest {\n          digest\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query Referrers($repository: String!, $reference: String!, $artifactType: String) {\n  repository(name: $repository) {\n    manifest(reference: $reference) {\n      digest\n      referrers(artifactType: $artifactType) {\n        digest\n        mediaType\n        artifactType\n        size\n        annotations\n        manifest {\n          digest\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query RegistryStatus {\n  registry {\n    url\n    reachable\n    apiVersion\n    authScheme\n    rateLimit {\n      limit\n      remaining\n      windowSeconds\n    }\n  }\n}"): (typeof documents)["query RegistryStatus {\n  registry {\n    url\n    reachable\n    apiVersion\n    authScheme\n    rateLimit {\n      limit\n      remaining\n      windowSeconds\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Repositories($first: Int, $after: String, $namePrefix: String) {\n  repositories(first: $first, after: $after, namePrefix: $namePrefix) {\n    edges {\n      cursor\n      node {\n        id\n        name\n      }\n    }\n    nodes {\n      id\n      name\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query Repositories($first: Int, $after: String, $namePrefix: String) {\n  repositories(first: $first, after: $after, namePrefix: $namePrefix) {\n    edges {\n      cursor\n      node {\n        id\n        name\n      }\n    }\n    nodes {\n      id\n      name\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query RepositoryFanOut($name: String!) {\n  repository(name: $name) {\n    tags(first: 100) {\n      totalCount\n      nodes {\n        name\n        digest\n        manifest {\n          __typename\n          digest\n          tags {\n            name\n          }\n          ... on ImageManifest {\n            totalSize\n            platform {\n              os\n              architecture\n            }\n            config {\n              created\n              labels {\n                key\n                value\n              }\n            }\n            layers {\n              digest\n              size\n              diffId\n              createdBy\n            }\n          }\n          ... on ImageIndex {\n            manifests {\n              platform {\n                os\n                architecture\n                variant\n              }\n              manifest {\n                digest\n                ... on ImageManifest {\n                  totalSize\n                  config {\n                    created\n                  }\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query RepositoryFanOut($name: String!) {\n  repository(name: $name) {\n    tags(first: 100) {\n      totalCount\n      nodes {\n        name\n        digest\n        manifest {\n          __typename\n          digest\n          tags {\n            name\n          }\n          ... on ImageManifest {\n            totalSize\n            platform {\n              os\n              architecture\n            }\n            config {\n              created\n              labels {\n                key\n                value\n              }\n            }\n            layers {\n              digest\n              size\n              diffId\n              createdBy\n            }\n          }\n          ... on ImageIndex {\n            manifests {\n              platform {\n                os\n                architecture\n                variant\n              }\n              manifest {\n                digest\n                ... on ImageManifest {\n                  totalSize\n                  config {\n                    created\n                  }\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query RepositoryManifest($name: String!, $reference: String!) {\n  repository(name: $name) {\n    name\n    manifest(reference: $reference) {\n      digest\n      size\n    }\n  }\n}"): (typeof documents)["query RepositoryManifest($name: String!, $reference: String!) {\n  repository(name: $name) {\n    name\n    manifest(reference: $reference) {\n      digest\n      size\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query RepositoryTags($name: String!, $first: Int, $after: String, $filter: TagFilter, $orderBy: TagOrder) {\n  repository(name: $name) {\n    id\n    name\n    tags(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          name\n          digest\n          pullReference\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query RepositoryTags($name: String!, $first: Int, $after: String, $filter: TagFilter, $orderBy: TagOrder) {\n  repository(name: $name) {\n    id\n    name\n    tags(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          name\n          digest\n          pullReference\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query TagDetails($repository: String!, $tag: String!) {\n  repository(name: $repository) {\n    tag(name: $tag) {\n      name\n      digest\n      manifest {\n        ...ManifestFields\n      }\n    }\n  }\n}"): (typeof documents)["query TagDetails($repository: String!, $tag: String!) {\n  repository(name: $repository) {\n    tag(name: $tag) {\n      name\n      digest\n      manifest {\n        ...ManifestFields\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;