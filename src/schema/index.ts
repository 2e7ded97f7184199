import './types/node.js';
import './types/repository.js';
import './types/tag.js';
import './types/manifest.js';
import './types/descriptor.js';
import './types/config.js';
import './types/upload.js';
import './types/registry.js';
import './types/mutations.js';
import { GraphQLDeferDirective, GraphQLStreamDirective } from '@graphql-tools/utils';
import { specifiedDirectives } from 'graphql';
import { builder } from './builder.js';

/**
 * The executable GraphQL schema of regql. It declares @defer and @stream (the ones Yoga's plugin
 * serves), so that the printed SDL validates the operations that use them in any tool.
 */
export const schema = builder.toSchema({
  sortSchema: false,
  directives: [...specifiedDirectives, GraphQLDeferDirective, GraphQLStreamDirective],
});
