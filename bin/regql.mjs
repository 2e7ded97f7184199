#!/usr/bin/env node
// The `regql` command: runs src/main.ts through tsx, resolved from this package.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
