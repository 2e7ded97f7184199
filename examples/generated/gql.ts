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
    "query ImageDetails($reference: String!) {\n  image(reference: $reference) {\n    __typename\n    digest\n    mediaType\n    tags {\n      name\n    }\n    referrers {\n      artifactType\n      digest\n    }\n    ... on ImageManifest {\n      totalSize\n      config {\n        created\n        labels {\n          key\n          value\n        }\n      }\n      layers {\n        digest\n        size\n        createdBy\n      }\n    }\n  }\n}": typeof types.ImageDetailsDocument,
    "query PlatformPicker($reference: String!, $os: String!, $architecture: String!, $variant: String) {\n  image(reference: $reference) {\n    __typename\n    digest\n    ... on ImageIndex {\n      manifests {\n        digest\n        platform {\n          os\n          architecture\n          variant\n        }\n      }\n      forPlatform(os: $os, architecture: $architecture, variant: $variant) {\n        digest\n        totalSize\n      }\n    }\n    ... on ImageManifest {\n      totalSize\n      platform {\n        os\n        architecture\n        variant\n      }\n    }\n  }\n}": typeof types.PlatformPickerDocument,
    "query PortalTags($repository: String!, $first: Int = 20) {\n  repository(name: $repository) {\n    name\n    tags(first: $first, orderBy: CREATED_DESC) {\n      totalCount\n      nodes {\n        name\n        manifest {\n          __typename\n          digest\n          size\n          ...ImageRow\n          ... on ImageIndex {\n            manifests {\n              platform {\n                os\n                architecture\n                variant\n              }\n              manifest {\n                __typename\n                ...ImageRow\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n}\n\nfragment ImageRow on ImageManifest {\n  digest\n  totalSize\n  platform {\n    os\n    architecture\n    variant\n  }\n  config {\n    created\n  }\n}": typeof types.PortalTagsDocument,
};
const documents: Documents = {
    "query ImageDetails($reference: String!) {\n  image(reference: $reference) {\n    __typename\n    digest\n    mediaType\n    tags {\n      name\n    }\n    referrers {\n      artifactType\n      digest\n    }\n    ... on ImageManifest {\n      totalSize\n      config {\n        created\n        labels {\n          key\n          value\n        }\n      }\n      layers {\n        digest\n        size\n        createdBy\n      }\n    }\n  }\n}": types.ImageDetailsDocument,
    "query PlatformPicker($reference: String!, $os: String!, $architecture: String!, $variant: String) {\n  image(reference: $reference) {\n    __typename\n    digest\n    ... on ImageIndex {\n      manifests {\n        digest\n        platform {\n          os\n          architecture\n          variant\n        }\n      }\n      forPlatform(os: $os, architecture: $architecture, variant: $variant) {\n        digest\n        totalSize\n      }\n    }\n    ... on ImageManifest {\n      totalSize\n      platform {\n        os\n        architecture\n        variant\n      }\n    }\n  }\n}": types.PlatformPickerDocument,
    "query PortalTags($repository: String!, $first: Int = 20) {\n  repository(name: $repository) {\n    name\n    tags(first: $first, orderBy: CREATED_DESC) {\n      totalCount\n      nodes {\n        name\n        manifest {\n          __typename\n          digest\n          size\n          ...ImageRow\n          ... on ImageIndex {\n            manifests {\n              platform {\n                os\n                architecture\n                variant\n              }\n              manifest {\n                __typename\n                ...ImageRow\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n}\n\nfragment ImageRow on ImageManifest {\n  digest\n  totalSize\n  platform {\n    os\n    architecture\n    variant\n  }\n  config {\n    created\n  }\n}": types.PortalTagsDocument,
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
export function graphql(source: "query ImageDetails($reference: String!) {\n  image(reference: $reference) {\n    __typename\n    digest\n    mediaType\n    tags {\n      name\n    }\n    referrers {\n      artifactType\n      digest\n    }\n    ... on ImageManifest {\n      totalSize\n      config {\n        created\n        labels {\n          key\n          value\n        }\n      }\n      layers {\n        digest\n        size\n        createdBy\n      }\n    }\n  }\n}"): (typeof documents)["query ImageDetails($reference: String!) {\n  image(reference: $reference) {\n    __typename\n    digest\n    mediaType\n    tags {\n      name\n    }\n    referrers {\n      artifactType\n      digest\n    }\n    ... on ImageManifest {\n      totalSize\n      config {\n        created\n        labels {\n          key\n          value\n        }\n      }\n      layers {\n        digest\n        size\n        createdBy\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PlatformPicker($reference: String!, $os: String!, $architecture: String!, $variant: String) {\n  image(reference: $reference) {\n    __typename\n    digest\n    ... on ImageIndex {\n      manifests {\n        digest\n        platform {\n          os\n          architecture\n          variant\n        }\n      }\n      forPlatform(os: $os, architecture: $architecture, variant: $variant) {\n        digest\n        totalSize\n      }\n    }\n    ... on ImageManifest {\n      totalSize\n      platform {\n        os\n        architecture\n        variant\n      }\n    }\n  }\n}"): (typeof documents)["query PlatformPicker($reference: String!, $os: String!, $architecture: String!, $variant: String) {\n  image(reference: $reference) {\n    __typename\n    digest\n    ... on ImageIndex {\n      manifests {\n        digest\n        platform {\n          os\n          architecture\n          variant\n        }\n      }\n      forPlatform(os: $os, architecture: $architecture, variant: $variant) {\n        digest\n        totalSize\n      }\n    }\n    ... on ImageManifest {\n      totalSize\n      platform {\n        os\n        architecture\n        variant\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PortalTags($repository: String!, $first: Int = 20) {\n  repository(name: $repository) {\n    name\n    tags(first: $first, orderBy: CREATED_DESC) {\n      totalCount\n      nodes {\n        name\n        manifest {\n          __typename\n          digest\n          size\n          ...ImageRow\n          ... on ImageIndex {\n            manifests {\n              platform {\n                os\n                architecture\n                variant\n              }\n              manifest {\n                __typename\n                ...ImageRow\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n}\n\nfragment ImageRow on ImageManifest {\n  digest\n  totalSize\n  platform {\n    os\n    architecture\n    variant\n  }\n  config {\n    created\n  }\n}"): (typeof documents)["query PortalTags($repository: String!, $first: Int = 20) {\n  repository(name: $repository) {\n    name\n    tags(first: $first, orderBy: CREATED_DESC) {\n      totalCount\n      nodes {\n        name\n        manifest {\n          __typename\n          digest\n          size\n          ...ImageRow\n          ... on ImageIndex {\n            manifests {\n              platform {\n                os\n                architecture\n                variant\n              }\n              manifest {\n                __typename\n                ...ImageRow\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n}\n\nfragment ImageRow on ImageManifest {\n  digest\n  totalSize\n  platform {\n    os\n    architecture\n    variant\n  }\n  config {\n    created\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;