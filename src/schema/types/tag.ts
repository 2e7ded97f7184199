import type { Context } from '../../context.js';
import { createdOf, orNull } from '../../loaders/index.js';
import { validateTag } from '../../registry/reference.js';
import { badUserInput, builder } from '../builder.js';
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
import { compareCreated, sortByName, TAG_ORDERS, type TagOrder } from '../tag-order.js';
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

TagRef.implement({
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'repository' in value,
  fields: (t) => ({
    id: t.id({ resolve: (tag) => encodeId('Tag', `${tag.repository}:${tag.name}`) }),
    name: t.exposeString('name'),
    repository: t.field({ type: RepositoryRef, resolve: (tag) => ({ name: tag.repository }) }),
    digest: t.field({
      type: 'Digest',
      description:
        'the digest the registry reports for this tag when every supported manifest media type is accepted',
      resolve: async (tag, _args, { loaders }) =>
        (await loaders.manifest.load({ repository: tag.repository, reference: tag.name })).digest,
    }),
    manifest: t.field({
      type: ManifestRef,
      resolve: async (tag, _args, { loaders }) =>
        manifestShape(
          tag.repository,
          await loaders.manifest.load({ repository: tag.repository, reference: tag.name }),
        ),
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

/** The repository's tags that pass the filter, in the asked order. */
async function orderedTags(
  context: Context,
  repository: string,
  filter: TagFilterInput,
  order: TagOrder,
): Promise<string[]> {
  // a repository holding only blobs (a first push, or every tag deleted) has no tag list
  const all = (await orNull(context.loaders.tags.load(repository))) ?? [];
  const prefix = filter?.namePrefix ?? '';
  const contains = filter?.nameContains ?? '';
  const tags = all.filter((tag) => tag.startsWith(prefix) && tag.includes(contains));
  const descending = order.endsWith('_DESC');
  if (!order.startsWith('CREATED')) {
    return sortByName(tags, order.startsWith('NAME') ? 'NAME' : 'VERSION', descending);
  }
  const dated = await Promise.all(
    tags.map(async (name) => {
      // a tag deleted while this runs sorts as one of unknown time
      const manifest = await orNull(context.loaders.manifest.load({ repository, reference: name }));
      return {
        name,
        created: manifest ? await createdOf(context.loaders, repository, manifest) : undefined,
      };
    }),
  );
  return dated.sort((a, b) => compareCreated(a, b, descending)).map((tag) => tag.name);
}

builder.objectField(RepositoryRef, 'tags', (t) =>
  t.field({
    type: TagConnectionRef,
    args: {
      first: t.arg.int(),
      after: t.arg.string(),
      filter: t.arg({ type: TagFilter }),
      orderBy: t.arg({ type: TagOrderEnum, defaultValue: 'NAME_ASC' }),
    },
    resolve: async (repo, { first, after, filter, orderBy }, context) => {
      const size = pageSize(first, context);
      const from = after === null || after === undefined ? undefined : tagCursor(after);
      const ordered = await orderedTags(
        context,
        repo.name,
        checkedFilter(filter),
        orderBy ?? 'NAME_ASC',
      );
      let start = 0;
      if (from !== undefined) {
        const index = ordered.indexOf(from);
        if (index < 0) throw badUserInput('the cursor names a tag that no longer exists');
        start = index + 1;
      }
      const page: TagShape[] = ordered
        .slice(start, start + size)
        .map((name) => ({ repository: repo.name, name }));
      const connection = connectionOf(page, (tag) => tag.name, start + size < ordered.length);
      return { ...connection, totalCount: ordered.length };
    },
  }),
);
