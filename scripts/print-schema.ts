/** Writes the gateway's SDL to schema/schema.graphql; with --check, fails when that file is stale. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { schema } from '../src/schema/index.js';
import { printedSchema, schemaFile } from '../test/support/contract.js';

const sdl = printedSchema(schema);
if (!process.argv.includes('--check')) {
  writeFileSync(schemaFile, sdl);
  console.log('wrote schema/schema.graphql');
} else if (!existsSync(schemaFile) || readFileSync(schemaFile, 'utf8') !== sdl) {
  console.error('schema/schema.graphql is out of date: run npm run schema:print');
  process.exitCode = 1;
}
