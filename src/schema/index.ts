import './types/node.js';
import './types/repository.js';
import './types/tag.js';
import './types/manifest.js';
import './types/descriptor.js';
import './types/config.js';
import './types/upload.js';
import './types/registry.js';
import './types/mutations.js';
import { builder } from './builder.js';

/** The executable GraphQL schema of regql. */
export const schema = builder.toSchema({ sortSchema: false });
