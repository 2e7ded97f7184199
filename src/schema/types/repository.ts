import { type GraphQLResolveInfo, Kind, type SelectionNode } from 'graphql';
import type { Context } from '../../context.js';
import { orNull } from '../../loaders/index.js';
import { validateRepository } from '../../registry/reference.js';
import { badUserInput, builder } from '../builder.js';
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
import { readUpload } from './upload.js';

/** Largest catalog page asked of the registry (registry 2.8 refuses more than 1000). */
const CATALOG_PAGE = 1000;

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

/**
 * The repository, or null when the registry does not know it. When the query also reads a tag list
 * below it (`info` says: Repository.tags, Manifest.tags), the whole list answers; otherwise a
 * one-name page of it does.
 */
export async function findRepository(
  context: Context,
  name: string,
  info?: GraphQLResolveInfo,
): Promise<RepositoryShape | null> {
  validateRepository(name);
  const exists =
    info && selects(info, 'tags')
      ? (await orNull(context.loaders.tags.load(name))) !== null
      : await context.loaders.exists.load(name);
  return exists ? { name } : null;
}

/** True when the field's selection includes `field` at any depth (through fragments too). */
function selects(info: GraphQLResolveInfo, field: string): boolean {
  const seen = new Set<string>();
  const search = (selections: readonly SelectionNode[]): boolean =>
    selections.some((selection) => {
      if (selection.kind === Kind.FIELD) {
        return selection.name.value === field || search(selection.selectionSet?.selections ?? []);
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) return search(selection.selectionSet.selections);
      const fragment = info.fragments[selection.name.value];
      if (!fragment || seen.has(fragment.name.value)) return false;
      seen.add(fragment.name.value);
      return search(fragment.selectionSet.selections);
    });
  return info.fieldNodes.some((node) => search(node.selectionSet?.selections ?? []));
}

/**
 * The registry's catalog order: names compared with `/` below every other character (registry
 * 2.8 walks its storage tree this way, and skips a whole folder that sorts before `last`).
 */
function catalogKey(name: string): string {
  return name.replaceAll('/', '\u0000');
}

/** A `last` just below every name that starts with `prefix`, in catalog order. */
function lastBefore(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  if (prefix.endsWith('/')) return prefix.replace(/\/+$/, '') || undefined;
  const end = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(end - 1);
}

/** True when some valid repository name starts with `prefix` (it, or it plus one character, is valid). */
function isNamePrefix(prefix: string): boolean {
  return [prefix, `${prefix}0`].some((name) => {
    try {
      validateRepository(name);
      return true;
    } catch {
      return false;
    }
  });
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
  if (namePrefix !== '' && !isNamePrefix(namePrefix)) {
    throw badUserInput('namePrefix must be the start of a repository name');
  }
  const names: string[] = [];
  let last =
    after === null || after === undefined ? lastBefore(namePrefix) : repositoryCursor(after);
  let done = false;
  while (!done && names.length <= size) {
    const page = await context.client.catalog.page({ n: CATALOG_PAGE, last });
    for (const name of page.items) {
      if (name.startsWith(namePrefix)) names.push(name);
      else if (catalogKey(name) > catalogKey(namePrefix)) done = true;
      if (done || names.length > size) break;
    }
    last = page.next?.last;
    done ||= last === undefined;
  }
  const nodes = names.slice(0, size).map((name) => ({ name }));
  return connectionOf(nodes, (repo) => repo.name, names.length > size);
}

builder.queryFields((t) => ({
  repositories: t.field({
    type: RepositoryConnectionRef,
    args: {
      first: t.arg.int(),
      after: t.arg.string(),
      namePrefix: t.arg.string(),
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
    resolve: (_root, { repository, id }, context) => orNull(readUpload(context, repository, id)),
  }),
  repository: t.field({
    type: RepositoryRef,
    nullable: true,
    description: 'null when the repository does not exist',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, context, info) => findRepository(context, name, info),
  }),
}));
