import { readdirSync, readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
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

/** Every operation the project shows users: README and docs/ code blocks, and the .graphql files. */
function shownOperations(): { where: string; text: string }[] {
  const root = new URL('../../', import.meta.url);
  const file = (path: string) => readFileSync(new URL(path, root), 'utf8');
  const markdown = ['README.md', 'examples/README.md'];
  const docs = new URL('docs/', root);
  try {
    markdown.push(
      ...readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    );
  } catch {
    // no docs/ folder yet
  }
  const blocks = markdown.flatMap((path) =>
    [...file(path).matchAll(/```graphql\n([\s\S]*?)```/g)].map((m, i) => ({
      where: `${path} block ${i + 1}`,
      text: m[1] ?? '',
    })),
  );
  // each folder is one document to codegen: fragments in one file, operations in others
  const documents = ['examples/operations/', 'test/operations/'].map((folder) => ({
    where: folder,
    text: readdirSync(new URL(folder, root))
      .filter((f) => f.endsWith('.graphql'))
      .map((f) => file(`${folder}${f}`))
      .join('\n'),
  }));
  return [...blocks, ...documents];
}

describe('operations against the committed SDL alone', () => {
  const sdl = buildSchema(committed);

  it('declares @defer and @stream, as served', () => {
    const streamed = parse(`{
      repositories(first: 2) {
        nodes @stream(initialCount: 0) {
          name
          tags { nodes { name ... @defer(label: "details") { manifest { digest } } } }
        }
      }
    }`);
    expect(validate(sdl, streamed)).toEqual([]);
  });

  it.each(shownOperations())('validates $where', ({ text }) => {
    expect(validate(sdl, parse(text)).map((e) => e.message)).toEqual([]);
  });
});
