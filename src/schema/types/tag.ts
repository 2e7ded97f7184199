import type { Context } from '../../context.js';
import {
  type CreatedLoaders,
  createdOf,
  type DigestKey,
  type Loaders,
  type ManifestKey,
  orNull,
} from '../../loaders/index.js';
import { isRegistryError } from '../../registry/errors.js';
import { abortedError } from '../../registry/http.js';
import { validateTag } from '../../registry/reference.js';
import { badUserInput, builder } from '../builder.js';
import { derived, own } from '../failures.js';
import {
  ManifestRef,
  NodeRef,
  RepositoryRef,
  TagConnectionRef,
  TagEdgeRef,
  TagRef,
  type TagShape,
} from '../refs.js';
import { connectionOf, decodeCursor, encodeId, implementConnection, pageSize } from '../relay.js';
import {
  ascendingTags,
  CreatedWindow,
  type DatedTag,
  pageOf,
  TAG_ORDERS,
  type TagPage,
} from '../tag-order.js';
import { manifestShape } from './manifest.js';

const TagOrderEnum = builder.enumType('TagOrder', {
  description:
    "VERSION orders by semantic version where tags parse as one, numerically-aware name order otherwise; CREATED by the image config's created time",
  values: TAG_ORDERS,
});

const TagFilter = builder.inputType('TagFilter', {
  fields: (t) => ({
    namePrefix: t.string(),
    nameContains: t.string(),
  }),
});

/** The manifest a tag names now. */
function manifestOf({ loaders }: Context, tag: TagShape) {
  return loaders.manifest.load({ repository: tag.repository, reference: tag.name });
}

TagRef.implement({
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'repository' in value,
  fields: (t) => ({
    id: t.id({ resolve: (tag) => encodeId('Tag', `${tag.repository}:${tag.name}`) }),
    name: t.exposeString('name'),
    repository: t.field({ type: RepositoryRef, resolve: (tag) => ({ name: tag.repository }) }),
    digest: t.field({
      type: 'Digest',
      nullable: true,
      description:
        'the digest the registry reports for this tag when every supported manifest media type is accepted',
      resolve: async (tag, _args, context) =>
        (await derived(context, manifestOf(context, tag)))?.digest ?? null,
    }),
    manifest: t.field({
      type: ManifestRef,
      nullable: true,
      description: 'null, with an error at this path, when the manifest cannot be read',
      resolve: async (tag, _args, context) =>
        manifestShape(tag.repository, await own(context, manifestOf(context, tag))),
    }),
    pullReference: t.string({
      description: '<public registry host>/<repository>:<tag>, ready for docker pull',
      resolve: (tag, _args, { config }) =>
        `${config.publicRegistryHost}/${tag.repository}:${tag.name}`,
    }),
  }),
});

TagConnectionRef.implement({ fields: (t) => ({ totalCount: t.exposeInt('totalCount') }) });
implementConnection(TagConnectionRef, TagEdgeRef, TagRef);

/** The tag a cursor stands after; BAD_USER_INPUT for a cursor that is not a tag's. */
function tagCursor(cursor: string): string {
  const tag = decodeCursor(cursor);
  try {
    return validateTag(tag);
  } catch {
    throw badUserInput('not a valid cursor');
  }
}

/** A tag filter whose parts are made of tag characters (anything else could match no tag). */
function checkedFilter(filter: TagFilterInput): TagFilterInput {
  for (const [name, value] of Object.entries(filter ?? {})) {
    if (typeof value === 'string' && !/^[\w.-]{0,128}$/.test(value)) {
      throw badUserInput(
        `filter.${name} may only hold the characters of tags (letters, digits, _ . -)`,
      );
    }
  }
  return filter;
}

/** The filter argument of Repository.tags. */
type TagFilterInput =
  | { namePrefix?: string | null; nameContains?: string | null }
  | null
  | undefined;

/** The repository's tags that pass the filter, sorted by name (the tag list itself when unfiltered). */
async function matchingTags(
  context: Context,
  repository: string,
  filter: TagFilterInput,
): Promise<readonly string[]> {
  // a repository holding only blobs (a first push, or every tag deleted) has no tag list
  const all = (await orNull(context.loaders.tags.load(repository))) ?? [];
  const prefix = filter?.namePrefix ?? '';
  const contains = filter?.nameContains ?? '';
  if (!prefix && !contains) return all;
  return all.filter((tag) => tag.startsWith(prefix) && tag.includes(contains));
}

/** A tag with its creation time and the loader keys its dating loaded. */
interface Dated extends DatedTag {
  manifests: ManifestKey[];
  configs: DigestKey[];
}

/** Dates a tag through the request's loaders (one upstream request for the tag), noting the keys it loads. */
async function dateTag(loaders: Loaders, repository: string, name: string): Promise<Dated> {
  const dated: Dated = { name, created: undefined, manifests: [], configs: [] };
  const noting: CreatedLoaders = {
    manifest: {
      load: (key) => {
        dated.manifests.push(key);
        return loaders.manifest.load(key);
      },
    },
    config: {
      load: (key) => {
        dated.configs.push(key);
        return loaders.config.load(key);
      },
    },
  };
  // a tag deleted while this runs, or one whose manifest or config cannot be read, sorts as one
  // of unknown time: its own fields answer why (the failure stays in the loaders)
  try {
    const manifest = await noting.manifest.load({ repository, reference: name });
    // loading a tag also keeps its manifest under its digest
    dated.manifests.push({ repository, reference: manifest.digest });
    dated.created = await createdOf(noting, repository, manifest);
  } catch (error) {
    // (a cancelled or timed-out operation is told apart once every tag is dated)
    if (!isRegistryError(error)) throw error;
  }
  return dated;
}

/**
 * The page of `tags` in creation order. Every tag is dated (one upstream request each, by twice
 * as many workers as there are upstream connections), but the request's loaders keep only what
 * the tags that may still be on the page loaded: the others' manifests and configs are dropped
 * as soon as they are dated (digest-addressed ones stay in the process-wide cache).
 */
async function createdPage(
  context: Context,
  repository: string,
  tags: readonly string[],
  descending: boolean,
  after: string | undefined,
  size: number,
): Promise<TagPage> {
  const { loaders } = context;
  const held = new Map<string, number>();
  const keysOf = (tag: Dated) => [
    ...tag.manifests.map((k) => `m ${k.reference}`),
    ...tag.configs.map((k) => `c ${k.digest}`),
  ];
  const hold = (tag: Dated, by: number) => {
    for (const key of keysOf(tag)) held.set(key, (held.get(key) ?? 0) + by);
  };
  const drop = (tag: Dated) => {
    for (const k of tag.manifests) if (!held.get(`m ${k.reference}`)) loaders.manifest.clear(k);
    for (const k of tag.configs) if (!held.get(`c ${k.digest}`)) loaders.config.clear(k);
  };
  const cursor = after === undefined ? undefined : await dateTag(loaders, repository, after);
  if (cursor) drop(cursor);
  const window = new CreatedWindow<Dated>(size, descending, cursor);
  let next = 0;
  const { signal } = context;
  const worker = async () => {
    while (next < tags.length) {
      // the caller went away or the deadline passed: take no more tags (a tag served from the
      // caches would not notice)
      if (signal.aborted) throw abortedError(signal, signal.reason);
      const name = tags[next++]!;
      if (name === after) continue;
      let tag: Dated;
      try {
        tag = await dateTag(loaders, repository, name);
      } catch (error) {
        next = tags.length; // the answer is an error: date no more
        throw error;
      }
      const left = window.offer(tag);
      if (left !== tag) hold(tag, 1);
      if (left && left !== tag) hold(left, -1);
      if (left) drop(left);
    }
  };
  // twice the connections: the pool always has the next tag's request queued
  const workers = Math.min(tags.length, 2 * context.config.upstream.connections);
  await Promise.all(Array.from({ length: workers }, worker));
  // the last tags' requests may have failed because the caller went away or time ran out
  if (signal.aborted) throw abortedError(signal, signal.reason);
  return window.page();
}

builder.objectField(RepositoryRef, 'tags', (t) =>
  t.field({
    type: TagConnectionRef,
    nullable: true,
    description: 'null, with an error, when the tag list cannot be read',
    args: {
      first: t.arg.int(),
      after: t.arg.string(),
      filter: t.arg({ type: TagFilter }),
      orderBy: t.arg({ type: TagOrderEnum, defaultValue: 'NAME_ASC' }),
    },
    extensions: {
      checkArgs: ({ first, after, filter }, context) => {
        pageSize(first, context);
        if (after !== null && after !== undefined) tagCursor(after);
        checkedFilter(filter);
      },
    },
    resolve: async (repo, { first, after, filter, orderBy }, context) => {
      const size = pageSize(first, context);
      const from = after === null || after === undefined ? undefined : tagCursor(after);
      const tags = await matchingTags(context, repo.name, checkedFilter(filter));
      if (from !== undefined && !tags.includes(from)) {
        throw badUserInput('the cursor names a tag that no longer exists');
      }
      const order = orderBy ?? 'NAME_ASC';
      const descending = order.endsWith('_DESC');
      const { names, hasNextPage } = order.startsWith('CREATED')
        ? await createdPage(context, repo.name, tags, descending, from, size)
        : pageOf(
            ascendingTags(tags, order.startsWith('NAME') ? 'NAME' : 'VERSION'),
            descending,
            from,
            size,
          );
      const page: TagShape[] = names.map((name) => ({ repository: repo.name, name }));
      return {
        ...connectionOf(page, (tag) => tag.name, hasNextPage, from !== undefined),
        totalCount: tags.length,
      };
    },
  }),
);
