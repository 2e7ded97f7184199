import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import { Pool } from 'undici';
import { type Child, forkChild, isEntry, listenLoopback, serveParent } from './child.js';

/** One throughput measurement: clients looping the same POST until the time is up. */
export interface LoadSpec {
  /** The GraphQL endpoint. */
  url: string;
  /** The JSON body of every request. */
  body: string;
  /** A request counts only when it answers 200 with this text in its body. */
  expect: string;
  clients: number;
  seconds: number;
}

/** What a load run achieved. */
export interface LoadResult {
  /** Requests that answered as expected, and the others. */
  ok: number;
  failed: number;
  seconds: number;
  perSecond: number;
}

/** Yoga's hello world: `{ hello }` answers `world`. */
export function helloWorldYoga() {
  return createYoga({
    schema: createSchema({
      typeDefs: 'type Query { hello: String! }',
      resolvers: { Query: { hello: () => 'world' } },
    }),
    logging: false,
  });
}

/** The baseline of the throughput scenario: Yoga's hello world, served by node:http. */
export async function startHelloWorld(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(helloWorldYoga());
  const url = `${await listenLoopback(server)}/graphql`;
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** One pool per origin, kept across calls: connections are opened once, not in every slice. */
const pools = new Map<string, Pool>();

/** Runs `spec` with an undici Pool of one connection per client, each client awaiting its answers. */
async function generateLoad(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const key = `${url.origin} ${spec.clients}`;
  const pool = pools.get(key) ?? new Pool(url.origin, { connections: spec.clients });
  pools.set(key, pool);
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + spec.seconds * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      const { statusCode, body } = await pool.request({
        method: 'POST',
        path: url.pathname,
        headers,
        body: spec.body,
      });
      const text = await body.text();
      if (statusCode === 200 && text.includes(spec.expect)) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: spec.clients }, client));
  const seconds = (performance.now() - started) / 1000;
  return { ok, failed, seconds, perSecond: ok / seconds };
}

/** Forks this module as a load generator (its own process: its work never slows the server). */
export async function forkLoadGenerator(): Promise<Child<LoadSpec, LoadResult>> {
  return (await forkChild<'ready', LoadSpec, LoadResult>(new URL(import.meta.url))).child;
}

if (isEntry(import.meta.url)) serveParent('ready', generateLoad);
