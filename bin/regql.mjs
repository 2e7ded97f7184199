#!/usr/bin/env -S node --max-semi-space-size=64
// The `regql` command: runs src/main.ts through tsx, resolved from this package. The shebang's
// --max-semi-space-size (npm start passes it too, the image sets it through NODE_OPTIONS): most
// of a query's young objects die before a scavenge of the larger young generation, so garbage
// collection takes about half the time it did.
import { register } from 'tsx/esm/api';

// outside production graphql-js looks for a second copy of itself on every type check;
// the container image sets it too
process.env.NODE_ENV ??= 'production';
register();
await import('../src/main.ts');
