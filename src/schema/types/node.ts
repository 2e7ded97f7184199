import { orNull } from '../../loaders/index.js';
import { validateRepository, validateTag } from '../../registry/reference.js';
import { badUserInput, builder } from '../builder.js';
import { findRepository } from '../existence.js';
import { NodeRef } from '../refs.js';
import { decodeId } from '../relay.js';

NodeRef.implement({
  fields: (t) => ({ id: t.id({ resolve: () => '' }) }),
});

/** What a global id names: a repository, or a tag of one; BAD_USER_INPUT when it names neither. */
function nodeOf(id: string | number): { repository: string; tag?: string } {
  const { type, key } = decodeId(String(id));
  if (type === 'Repository') return { repository: validateRepository(key) };
  const split = key.lastIndexOf(':');
  if (split < 1) throw badUserInput('not a valid global id');
  return {
    repository: validateRepository(key.slice(0, split)),
    tag: validateTag(key.slice(split + 1)),
  };
}

builder.queryField('node', (t) =>
  t.field({
    type: NodeRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    extensions: { checkArgs: ({ id }) => nodeOf(id) },
    resolve: async (_root, { id }, context, info) => {
      const { repository, tag } = nodeOf(id);
      if (tag === undefined) return findRepository(context, repository, info);
      const manifest = await orNull(context.loaders.manifest.load({ repository, reference: tag }));
      return manifest ? { repository, name: tag } : null;
    },
  }),
);
