import type { ImplementableObjectRef, ObjectRef } from '@pothos/core';
import type { Context } from '../context.js';
import { badUserInput, builder } from './builder.js';

/** Page size when a connection is asked without `first`. */
export const DEFAULT_PAGE_SIZE = 100;

/** Node types with global ids. */
export type NodeType = 'Repository' | 'Tag';

/** A global id: base64url of `<type>:<key>`. */
export function encodeId(type: NodeType, key: string): string {
  return Buffer.from(`${type}:${key}`, 'utf8').toString('base64url');
}

/** The type and key of a global id; BAD_USER_INPUT when it is not one of ours. */
export function decodeId(id: string): { type: NodeType; key: string } {
  const text = /^[A-Za-z0-9_-]{1,1400}$/.test(id)
    ? Buffer.from(id, 'base64url').toString('utf8')
    : '';
  const match = /^(Repository|Tag):(.+)$/s.exec(text);
  if (!match) throw badUserInput('not a valid global id');
  return { type: match[1] as NodeType, key: match[2] as string };
}

/** An opaque cursor for a position value. */
export function encodeCursor(position: string): string {
  return Buffer.from(`c:${position}`, 'utf8').toString('base64url');
}

/** The position value of a cursor; BAD_USER_INPUT when it is not one of ours. */
export function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]{1,1400}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8')
    : '';
  if (!text.startsWith('c:') || text.length < 3) throw badUserInput('not a valid cursor');
  return text.slice(2);
}

/** `first` checked against the configured maximum, or the default page size. */
export function pageSize(first: number | null | undefined, context: Context): number {
  if (first === null || first === undefined)
    return Math.min(DEFAULT_PAGE_SIZE, context.config.maxPageSize);
  if (first < 0 || first > context.config.maxPageSize) {
    throw badUserInput(`first must be from 0 to ${context.config.maxPageSize}, got ${first}`);
  }
  return first;
}

/** Relay's PageInfo. */
export interface PageInfoShape {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

/** One page of a connection. */
export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfoShape;
}

/**
 * A connection of `page`, with a cursor per item. Paging is forward only (`first`/`after`), so a
 * page has items before it exactly when it was asked for `after` an item (`afterCursor`).
 */
export function connectionOf<T>(
  page: T[],
  cursorOf: (item: T) => string,
  hasNextPage: boolean,
  afterCursor: boolean,
): ConnectionShape<T> {
  const edges = page.map((node) => ({ cursor: encodeCursor(cursorOf(node)), node }));
  return {
    edges,
    nodes: page,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: afterCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** The builder's schema types, for typing refs outside a type file. */
type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** An edge of a connection. */
export interface EdgeShape<T> {
  cursor: string;
  node: T;
}

/**
 * Implements a connection's edge type (`cursor`, `node`) and its `edges`, `nodes` and `pageInfo`
 * fields, with the contract's nullability (`[XEdge!]!`, `[X!]!`). Extra fields are added apart.
 */
export function implementConnection<T, C extends ConnectionShape<T>>(
  connection: ImplementableObjectRef<Types, C>,
  edge: ImplementableObjectRef<Types, EdgeShape<T>>,
  node: ObjectRef<Types, T>,
): void {
  edge.implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      // Pothos cannot check a generic T against its resolver result type; T is the node's shape
      node: t.field({ type: node, resolve: (e) => e.node as never }),
    }),
  });
  builder.objectFields(connection, (t) => ({
    edges: t.field({ type: [edge], resolve: (c) => c.edges }),
    nodes: t.field({ type: [node], resolve: (c) => c.nodes as never }),
    pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
  }));
}

/** Relay's PageInfo type. */
export const PageInfo = builder.objectRef<PageInfoShape>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', {
      description: 'true when the page was asked for after a cursor (paging is forward only)',
    }),
    startCursor: t.exposeString('startCursor', { nullable: true }),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});
