import { buildSchema, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { contractViolations, readContract } from '../support/contract.js';

const contract = readContract();

/** The contract with each `[from, to]` edit applied; every `from` must occur exactly once. */
function edited(...edits: [from: string, to: string][]): string {
  return edits.reduce((text, [from, to]) => {
    const count = text.split(from).length - 1;
    if (count !== 1)
      throw new Error(`${JSON.stringify(from)} occurs ${count} times in the contract`);
    return text.replace(from, () => to);
  }, contract);
}

interface Case {
  name: string;
  edits: [from: string, to: string][];
  expected: string[];
}

describe('contractViolations', () => {
  it('finds none in the contract itself, as written or as printed', () => {
    expect(contractViolations(contract, contract)).toEqual([]);
    expect(contractViolations(contract, printSchema(buildSchema(contract)))).toEqual([]);
  });

  it.each<Case>([
    {
      name: 'a removed field',
      edits: [['  raw: JSON!\n', '']],
      expected: ['ImageConfig.raw: field missing'],
    },
    {
      name: 'a removed Mutation field',
      edits: [['  cancelUpload(repository: String!, id: String!): Boolean!\n', '']],
      expected: ['Mutation.cancelUpload: field missing'],
    },
    {
      name: 'String! made nullable',
      edits: [['  pullReference: String!\n', '  pullReference: String\n']],
      expected: ['Tag.pullReference: type is String, the contract has String!'],
    },
    {
      name: 'a nullable Query field made non-null',
      edits: [
        ['repository(name: String!): Repository\n', 'repository(name: String!): Repository!\n'],
      ],
      expected: ['Query.repository: type is Repository!, the contract has Repository'],
    },
    {
      name: 'an interface field with another type',
      edits: [['document"\n  size: SafeInt!', 'document"\n  size: Int!']],
      expected: ['Manifest.size: type is Int!, the contract has SafeInt!'],
    },
    {
      name: 'nullable list items',
      edits: [['fsLayers: [Digest!]!', 'fsLayers: [Digest]!']],
      expected: ['Schema1Manifest.fsLayers: type is [Digest]!, the contract has [Digest!]!'],
    },
    {
      name: 'a list made a single value',
      edits: [['  entrypoint: [String!]\n', '  entrypoint: String\n']],
      expected: ['ImageConfig.entrypoint: type is String, the contract has [String!]'],
    },
    {
      name: 'a dropped enum value',
      edits: [['  CREATED_DESC\n', '']],
      expected: ['TagOrder.CREATED_DESC: enum value missing'],
    },
    {
      name: 'a changed argument default',
      edits: [['orderBy: TagOrder = NAME_ASC', 'orderBy: TagOrder = NAME_DESC']],
      expected: ['Repository.tags(orderBy:): default is NAME_DESC, the contract has NAME_ASC'],
    },
    {
      name: 'a dropped argument default',
      edits: [['orderBy: TagOrder = NAME_ASC', 'orderBy: TagOrder']],
      expected: ['Repository.tags(orderBy:): default is none, the contract has NAME_ASC'],
    },
    {
      name: 'an added argument default',
      edits: [['tags(first: Int,', 'tags(first: Int = 20,']],
      expected: ['Repository.tags(first:): default is 20, the contract has none'],
    },
    {
      name: 'a removed argument',
      edits: [[', variant: String)', ')']],
      expected: ['ImageIndex.forPlatform(variant:): argument missing'],
    },
    {
      name: 'an argument with another type',
      edits: [['accept: [String!])', 'accept: [String])']],
      expected: [
        'Query.manifestNegotiation(accept:): type is [String], the contract has [String!]',
      ],
    },
    {
      name: 'a removed implements Node',
      edits: [['type Tag implements Node {', 'type Tag {']],
      expected: ['Tag: interface Node not implemented'],
    },
    {
      name: 'an added required argument',
      edits: [['tag(name: String!): Tag', 'tag(name: String!, platform: String!): Tag']],
      expected: [
        'Repository.tag(platform:): new argument is required (String!); contract callers omit it',
      ],
    },
    {
      name: 'a removed input field',
      edits: [['  nameContains: String\n', '']],
      expected: ['TagFilter.nameContains: input field missing'],
    },
    {
      name: 'an input field made required',
      edits: [['  namePrefix: String\n', '  namePrefix: String!\n']],
      expected: ['TagFilter.namePrefix: type is String!, the contract has String'],
    },
    {
      name: 'an added required input field',
      edits: [['  nameContains: String\n', '  nameContains: String\n  regex: String!\n']],
      expected: [
        'TagFilter.regex: new input field is required (String!); contract callers omit it',
      ],
    },
    {
      name: 'a scalar made an enum',
      edits: [['scalar JSON', 'enum JSON { OBJECT }']],
      expected: ['JSON: kind is enum, the contract has scalar'],
    },
    {
      name: 'a renamed type',
      edits: [
        ['type Label {', 'type KeyValue {'],
        ['labels: [Label!]!', 'labels: [KeyValue!]!'],
      ],
      expected: [
        'ImageConfig.labels: type is [KeyValue!]!, the contract has [Label!]!',
        'Label: object type missing',
      ],
    },
    {
      name: 'a renamed query root',
      edits: [['type Query {', 'schema {\n  query: Root\n  mutation: Mutation\n}\n\ntype Root {']],
      expected: [
        'Query: object type missing',
        'schema: query root is Root, the contract has Query',
      ],
    },
  ])('reports $name', ({ edits, expected }) => {
    expect(contractViolations(contract, edited(...edits))).toEqual(expected);
  });

  it.each<Omit<Case, 'expected'>>([
    {
      name: 'an optional field',
      edits: [['  pullReference: String!\n', '  pullReference: String!\n  pushedAt: DateTime\n']],
    },
    {
      name: 'a non-null field',
      edits: [['  pullReference: String!\n', '  pullReference: String!\n  shortDigest: String!\n']],
    },
    {
      name: 'a root field with a required argument',
      edits: [['type Query {\n', 'type Query {\n  search(text: String!): [Repository!]!\n']],
    },
    {
      name: 'an optional argument',
      edits: [['tag(name: String!): Tag', 'tag(name: String!, platform: String): Tag']],
    },
    {
      name: 'a non-null argument with a default',
      edits: [['tag(name: String!): Tag', 'tag(name: String!, resolve: Boolean! = true): Tag']],
    },
    {
      name: 'an enum value',
      edits: [['  CREATED_DESC\n', '  CREATED_DESC\n  SIZE_ASC\n']],
    },
    {
      name: 'an optional input field',
      edits: [['  nameContains: String\n', '  nameContains: String\n  regex: String\n']],
    },
    {
      name: 'a new interface, implemented',
      edits: [
        ['scalar File', 'scalar File\ninterface Timestamped {\n  pushedAt: DateTime\n}'],
        ['type Tag implements Node {', 'type Tag implements Node & Timestamped {'],
        ['  pullReference: String!\n', '  pullReference: String!\n  pushedAt: DateTime\n'],
      ],
    },
  ])('accepts $name added', ({ edits }) => {
    expect(contractViolations(contract, edited(...edits))).toEqual([]);
  });

  it('checks union members and input field defaults', () => {
    const small = 'type A { a: Int }\ntype B { b: Int }\ntype Query { u: U, q(f: F): Int }\n';
    const sdl = (union: string, input: string) =>
      `${small}union U = ${union}\ninput F { ${input} }`;
    const expected = sdl('A | B', 'n: Int = 1');
    expect(
      contractViolations(expected, `${sdl('A | B', 'n: Int = 1')}\ntype C { c: Int }`),
    ).toEqual([]);
    expect(contractViolations(expected, sdl('B | A', 'n: Int = 1, m: Int'))).toEqual([]);
    expect(contractViolations(expected, sdl('A', 'n: Int = 2'))).toEqual([
      'F.n: default is 2, the contract has 1',
      'U: member B missing',
    ]);
  });
});
