import { orNull } from '../../loaders/index.js';
import { validateRepository, validateTag } from '../../registry/reference.js';
import { badUserInput, builder } from '../builder.js';
import { NodeRef } from '../refs.js';
import { decodeId } from '../relay.js';
import { findRepository } from './repository.js';

NodeRef.implement({
  fields: (t) => ({ id: t.id({ resolve: () => '' }) }),
});

builder.queryField('node', (t) =>
  t.field({
    type: NodeRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const { type, key } = decodeId(String(id));
      if (type === 'Repository') return findRepository(context, key);
      const split = key.lastIndexOf(':');
      if (split < 1) throw badUserInput('not a valid global id');
      const repository = validateRepository(key.slice(0, split));
      const name = validateTag(key.slice(split + 1));
      const manifest = await orNull(context.loaders.manifest.load({ repository, reference: name }));
      return manifest ? { repository, name } : null;
    },
  }),
);
