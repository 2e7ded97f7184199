#!/usr/bin/env node
// The `regql` command: runs src/main.ts through tsx, resolved from this package.
import { register } from 'tsx/esm/api';

// outside production graphql-js looks for a second copy of itself on every type check;
// the container image sets it too
process.env.NODE_ENV ??= 'production';
register();
await import('../src/main.ts');
