import SchemaBuilder from '@pothos/core';
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import type { EnclosingField } from '../argument-checks.js';
import type { Context } from '../context.js';
import { FilePart } from '../multipart.js';
import { digestProblem } from '../registry/reference.js';

declare module 'graphql' {
  interface GraphQLFieldExtensions<_TSource, _TContext, _TArgs> {
    /**
     * Throws BAD_USER_INPUT for arguments the field would refuse. It runs for every field of an
     * operation before any of them does (src/argument-checks.ts), so it calls nothing upstream,
     * and reads nothing of the context but the configuration (its verdict on an operation
     * without variables is kept for the document). `parent` is the field around it, when the
     * operation shows it there (not at the start of a fragment).
     */
    checkArgs?: (args: _TArgs, context: _TContext, parent?: EnclosingField) => void;
  }
}

/** The typed Pothos builder every type file registers with. */
export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  Scalars: {
    Digest: { Input: string; Output: string };
    DateTime: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
    SafeInt: { Input: number; Output: number };
    File: { Input: FilePart; Output: never };
  };
}>({ defaultFieldNullability: false });

/** A GraphQL error with the contract's BAD_USER_INPUT code. */
export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

function stringLiteral(node: ValueNode, scalar: string): string {
  if (node.kind !== Kind.STRING) throw badUserInput(`${scalar} must be a string`);
  return node.value;
}

function parseDigestValue(value: unknown): string {
  if (typeof value !== 'string') throw badUserInput('Digest must be a string');
  const problem = digestProblem(value);
  if (problem) throw badUserInput(problem);
  return value;
}

builder.scalarType('Digest', {
  description: '"<algorithm>:<hex>", e.g. sha256:<64 lowercase hex>; validated on input',
  serialize: (value) => value,
  parseValue: parseDigestValue,
  parseLiteral: (node) => parseDigestValue(stringLiteral(node, 'Digest')),
});

function parseDateTime(value: unknown): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw badUserInput('DateTime must be an RFC 3339 date-time string');
  }
  return value;
}

builder.scalarType('DateTime', {
  description: 'RFC 3339 date-time, as the image config states it',
  serialize: (value) => value,
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTime(stringLiteral(node, 'DateTime')),
});

/** The JSON value of a literal. */
function literalValue(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literalValue);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literalValue(f.value)]));
    default:
      throw badUserInput('JSON literals cannot contain variables or enums');
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literalValue,
});

function parseSafeInt(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw badUserInput('SafeInt must be an integer up to 2^53-1');
  }
  return value;
}

builder.scalarType('SafeInt', {
  description: 'Integers up to 2^53-1 (byte sizes), serialized as JSON numbers',
  serialize: (value) => value,
  parseValue: parseSafeInt,
  parseLiteral: (node) => {
    if (node.kind !== Kind.INT) throw badUserInput('SafeInt must be an integer');
    return parseSafeInt(Number(node.value));
  },
});

builder.scalarType('File', {
  description: 'A file sent with the GraphQL multipart request spec',
  serialize: () => {
    throw new GraphQLError('File is an input-only scalar');
  },
  // multipart requests are read by src/multipart.ts, which puts a FilePart in the variable
  parseValue: (value) => {
    if (!(value instanceof FilePart)) throw badUserInput('File must be a multipart file upload');
    return value;
  },
});

builder.queryType({});
