import type { Context } from '../../context.js';
import { orNull } from '../../loaders/index.js';
import {
  isRepositoryName,
  validateReference,
  validateRepository,
  validateTag,
} from '../../registry/reference.js';
import { badUserInput, builder } from '../builder.js';
import { findRepository } from '../existence.js';
import {
  BlobRef,
  type BlobShape,
  ManifestRef,
  NodeRef,
  RepositoryConnectionRef,
  RepositoryEdgeRef,
  RepositoryRef,
  type RepositoryShape,
  TagRef,
  UploadRef,
} from '../refs.js';
import {
  type ConnectionShape,
  connectionOf,
  decodeCursor,
  encodeId,
  implementConnection,
  pageSize,
} from '../relay.js';
import { manifestShape } from './manifest.js';
import { parseUploadId, readUpload, uploadLocation } from './upload.js';

RepositoryRef.implement({
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof value === 'object' && value !== null && !('repository' in value),
  fields: (t) => ({
    id: t.id({ resolve: (repo) => encodeId('Repository', repo.name) }),
    name: t.exposeString('name'),
    tag: t.field({
      type: TagRef,
      nullable: true,
      description: 'null when the tag does not exist',
      args: { name: t.arg.string({ required: true }) },
      extensions: { checkArgs: ({ name }) => validateTag(name) },
      resolve: async (repo, { name }, { loaders }) => {
        const manifest = await orNull(
          loaders.manifest.load({ repository: repo.name, reference: name }),
        );
        return manifest ? { repository: repo.name, name } : null;
      },
    }),
    manifest: t.field({
      type: ManifestRef,
      nullable: true,
      description: 'a tag or a digest; null when missing',
      args: { reference: t.arg.string({ required: true }) },
      extensions: { checkArgs: ({ reference }) => validateReference(reference) },
      resolve: async (repo, { reference }, { loaders }) => {
        const manifest = await orNull(loaders.manifest.load({ repository: repo.name, reference }));
        return manifest && manifestShape(repo.name, manifest);
      },
    }),
    blob: t.field({
      type: BlobRef,
      nullable: true,
      description: 'null when missing',
      args: { digest: t.arg({ type: 'Digest', required: true }) },
      resolve: (repo, { digest }, context) => findBlob(context, repo.name, digest),
    }),
    upload: t.field({
      type: UploadRef,
      nullable: true,
      description: 'status of an upload session; null when the registry no longer knows it',
      args: { id: t.arg.string({ required: true }) },
      extensions: {
        // the repository the id must be of, where the operation names it around this field
        checkArgs: ({ id }, _context, parent) => {
          const name = parent?.coordinate === 'Query.repository' ? parent.args.name : undefined;
          if (typeof name === 'string') uploadLocation(name, id);
          else parseUploadId(id);
        },
      },
      resolve: (repo, { id }, context) => orNull(readUpload(context, repo.name, id)),
    }),
  }),
});

RepositoryConnectionRef.implement({ fields: () => ({}) });
implementConnection(RepositoryConnectionRef, RepositoryEdgeRef, RepositoryRef);

/** A blob of a repository, or null when it is not there. */
async function findBlob(
  context: Context,
  repository: string,
  digest: string,
): Promise<BlobShape | null> {
  const info = await orNull(context.loaders.blob.load({ repository, digest }));
  return info && { repository, info };
}

/** BAD_USER_INPUT unless some valid repository name starts with `prefix` (it, or it plus one character, is valid). */
function checkNamePrefix(prefix: string): void {
  if (prefix !== '' && !isRepositoryName(prefix) && !isRepositoryName(`${prefix}0`)) {
    throw badUserInput('namePrefix must be the start of a repository name');
  }
}

/** The repository a cursor stands after; BAD_USER_INPUT for a cursor that is not a repository's. */
function repositoryCursor(cursor: string): string {
  const name = decodeCursor(cursor);
  try {
    return validateRepository(name);
  } catch {
    throw badUserInput('not a valid cursor');
  }
}

/** One page of the catalog, optionally only names with a prefix (the catalog is sorted). */
async function repositories(
  context: Context,
  first: number | null | undefined,
  after: string | null | undefined,
  namePrefix: string,
): Promise<ConnectionShape<RepositoryShape>> {
  const size = pageSize(first, context);
  checkNamePrefix(namePrefix);
  const from = after === null || after === undefined ? undefined : repositoryCursor(after);
  const names = await context.client.catalog.named(namePrefix, size + 1, from);
  const nodes = names.slice(0, size).map((name) => ({ name }));
  return connectionOf(nodes, (repo) => repo.name, names.length > size, from !== undefined);
}

builder.queryFields((t) => ({
  repositories: t.field({
    type: RepositoryConnectionRef,
    nullable: true,
    description: 'null, with an error, when the catalog cannot be read',
    args: {
      first: t.arg.int(),
      after: t.arg.string(),
      namePrefix: t.arg.string(),
    },
    extensions: {
      checkArgs: ({ first, after, namePrefix }, context) => {
        pageSize(first, context);
        if (after !== null && after !== undefined) repositoryCursor(after);
        checkNamePrefix(namePrefix ?? '');
      },
    },
    resolve: (_root, { first, after, namePrefix }, context) =>
      repositories(context, first, after, namePrefix ?? ''),
  }),
  blob: t.field({
    type: BlobRef,
    nullable: true,
    description:
      'a blob, also in a repository that has no tags yet (where `repository` is null); null when missing',
    args: {
      repository: t.arg.string({ required: true }),
      digest: t.arg({ type: 'Digest', required: true }),
    },
    extensions: { checkArgs: ({ repository }) => validateRepository(repository) },
    resolve: (_root, { repository, digest }, context) => findBlob(context, repository, digest),
  }),
  upload: t.field({
    type: UploadRef,
    nullable: true,
    description:
      'an upload session, also in a repository that has no tags yet (a first push); null when the registry no longer knows it',
    args: {
      repository: t.arg.string({ required: true }),
      id: t.arg.string({ required: true }),
    },
    extensions: { checkArgs: ({ repository, id }) => uploadLocation(repository, id) },
    resolve: (_root, { repository, id }, context) => orNull(readUpload(context, repository, id)),
  }),
  repository: t.field({
    type: RepositoryRef,
    nullable: true,
    description: 'null when the repository does not exist',
    args: { name: t.arg.string({ required: true }) },
    extensions: { checkArgs: ({ name }) => validateRepository(name) },
    resolve: (_root, { name }, context, info) => findRepository(context, name, info),
  }),
}));
