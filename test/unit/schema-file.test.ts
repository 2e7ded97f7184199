import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import {
  contractViolations,
  printedSchema,
  readContract,
  schemaFile,
} from '../support/contract.js';

const committed = readFileSync(schemaFile, 'utf8');

describe('schema/schema.graphql', () => {
  it('is what src/schema/ prints (run npm run schema:print)', () => {
    expect(committed).toBe(printedSchema(schema));
  });

  it('honours the API contract', () => {
    expect(contractViolations(readContract(), committed)).toEqual([]);
  });
});
