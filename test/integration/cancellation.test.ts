import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { execute, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext, type Shared } from '../../src/context.js';
import { AccessCache } from '../../src/loaders/access.js';
import { DigestCache } from '../../src/loaders/cache.js';
import { UploadTracker } from '../../src/loaders/uploads.js';
import { isRegistryError } from '../../src/registry/errors.js';
import { schema } from '../../src/schema/index.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { pushImage } from '../harness/fixtures.js';
import { clientFor, seeded } from '../support/clients.js';
import { capturedLogger } from '../support/logs.js';
import { type FaultProxy, startProxy } from '../support/proxy.js';
import { tagAlso } from '../support/tags.js';
import { until, untilSteady } from '../support/wait.js';

const { registry } = seeded('open');
const direct = clientFor('open').client;
const repository = `cancel/many-${randomBytes(4).toString('hex')}`;
/** Tags of one image: each costs one upstream request to date or to resolve. */
const TAGS = Array.from({ length: 150 }, (_, i) => `t${String(i).padStart(3, '0')}`);
/** Upstream requests the caller waits for before it hangs up. */
const BEFORE_HANG_UP = 5;
/** What a log line of an operation may hold: no upstream bodies, no credentials. */
const LINE_FIELDS = [
  ...['level', 'time', 'pid', 'hostname', 'service', 'msg', 'requestId', 'operation'],
  ...['durationMs', 'upstreamCalls', 'execution', 'errors', 'outcome'],
];

let proxy: FaultProxy;
let server: RunningServer;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const [first = 't000', ...rest] = TAGS;
  await pushImage(registry, repository, first);
  await tagAlso(registry, repository, first, rest);
  // every upstream request takes a while (two at a time), so a query over every tag runs long
  // enough for its caller to leave half-way
  proxy = await startProxy(registry.url, () => ({ kind: 'forward', delayMs: 25 }));
  server = await startServer(
    loadConfig({ REGISTRY_URL: proxy.url, PORT: '0', UPSTREAM_CONCURRENCY: '2' }),
    { logger: capturedLogger(lines) },
  );
});

afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await direct.connection.close();
});

/** A GraphQL POST over a real socket; `hangUp` destroys that socket before the answer is read. */
function post(body: unknown, headers: Record<string, string>) {
  const payload = JSON.stringify(body);
  const sent = request(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
  });
  const answer = new Promise<string>((resolve, reject) => {
    sent.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks).toString()));
      response.on('error', reject);
    });
    sent.on('error', reject);
  });
  // a hung-up request's answer fails; nobody waits for it
  answer.catch(() => undefined);
  sent.end(payload);
  return { answer, hangUp: () => sent.destroy() };
}

/** The gateway's count of cancelled operations, from /metrics. */
async function cancelledTotal(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^regql_graphql_operations_cancelled_total (\d+)$/m.exec(text)?.[1]);
}

/** The log lines of one request. */
const linesOf = (requestId: string) => lines.filter((line) => line.requestId === requestId);

/**
 * Runs a query to completion (request id `<id>-full`), then again (`<id>`) hanging up after
 * BEFORE_HANG_UP upstream requests. Returns the upstream requests of the full run, and those of
 * the abandoned run before the hang-up and in all, counted once they stopped coming.
 */
async function fullThenAbandoned(body: unknown, id: string, headers: Record<string, string>) {
  const cancelled = await cancelledTotal();
  let mark = proxy.seen.length;
  await post(body, { ...headers, 'x-request-id': `${id}-full` }).answer;
  const complete = proxy.seen.length - mark;
  mark = proxy.seen.length;
  const abandoned = post(body, { ...headers, 'x-request-id': id });
  await until(() => proxy.seen.length - mark >= BEFORE_HANG_UP);
  abandoned.hangUp();
  const atHangUp = proxy.seen.length - mark;
  const total = (await untilSteady(() => proxy.seen.length)) - mark;
  await until(() => linesOf(id).length > 0);
  return { complete, atHangUp, total, cancelled: (await cancelledTotal()) - cancelled };
}

/**
 * Expects one log line for `<id>-full` (no outcome) and one for `<id>`, marked cancelled, with
 * only the fields of an operation's line.
 */
function expectOneLineEach(id: string): void {
  const [full, ...moreFull] = linesOf(`${id}-full`);
  expect(moreFull).toEqual([]);
  expect(full).not.toHaveProperty('outcome');
  const [cancelled, ...more] = linesOf(id);
  expect(more).toEqual([]);
  expect(cancelled).toMatchObject({ msg: 'graphql', outcome: 'cancelled' });
  expect(LINE_FIELDS).toEqual(expect.arrayContaining(Object.keys(cancelled ?? {})));
}

describe('a caller who hangs up', () => {
  it('stops the dating of tags in creation order: no further upstream requests', async () => {
    const query = `query($r: String!) { repository(name: $r) {
      tags(orderBy: CREATED_DESC, first: 3) { nodes { name } } } }`;
    const body = { query, variables: { r: repository } };
    const run = await fullThenAbandoned(body, 'cancel-created', {});
    // the tag list, one request per tag, the one config
    expect(run.complete).toBeGreaterThanOrEqual(1 + TAGS.length);
    expect(run.total).toBeLessThan(run.complete / 4);
    expect(run.cancelled).toBe(1);
    expectOneLineEach('cancel-created');
  });

  it('stops a deferred fan-out: no further upstream requests, one log line after the stream', async () => {
    const query = `query($r: String!) { repository(name: $r) { tags(first: ${TAGS.length}) {
      nodes { name ... @defer { digest manifest { ... on ImageManifest { totalSize } } } } } } }`;
    const body = { query, variables: { r: repository } };
    const run = await fullThenAbandoned(body, 'cancel-defer', { accept: 'multipart/mixed' });
    expect(run.complete).toBeGreaterThanOrEqual(1 + TAGS.length);
    expect(run.total).toBeLessThan(run.complete / 4);
    expect(run.cancelled).toBe(1);
    expectOneLineEach('cancel-defer');
  });

  it('leaves the gateway answering, with nothing logged above info', async () => {
    const query = `query($r: String!) { repository(name: $r) { tags(first: 2) { nodes { name } } } }`;
    const answer = await post({ query, variables: { r: repository } }, {}).answer;
    expect(JSON.parse(answer)).toEqual({
      data: { repository: { tags: { nodes: [{ name: 't000' }, { name: 't001' }] } } },
    });
    expect(lines.filter((line) => (line.level as number) > 30)).toEqual([]);
  });
});

describe('tags in creation order, all served from the caches', () => {
  it('are not dated once the caller is gone (no upstream request would notice)', async () => {
    // within the tag TTL a tag, its manifest and its config cost no upstream request at all
    const config = loadConfig({
      REGISTRY_URL: registry.url,
      LOG_LEVEL: 'silent',
      TAG_TTL_MS: '600000',
    });
    const shared: Shared = {
      config,
      client: direct,
      cache: new DigestCache(config.cacheMaxBytes, undefined, config.tagTtlMs),
      access: new AccessCache(config.accessCheckTtlMs),
      uploads: new UploadTracker(),
    };
    const document = parse(`query($r: String!) { repository(name: $r) {
      tags(orderBy: CREATED_DESC, first: 3) { nodes { name } } } }`);
    const run = async (request: Request) => {
      const context = createContext(shared, { request });
      // the tag list as a warm run read it: the only request the query would make otherwise
      context.loaders.tags.prime(repository, [...TAGS]);
      const result = await execute({
        schema,
        document,
        variableValues: { r: repository },
        contextValue: context,
      });
      context.finish();
      return { result, calls: context.upstreamCalls.count };
    };
    const warm = await run(new Request('http://regql.test/graphql'));
    expect(warm.result.errors).toBeUndefined();
    expect((await run(new Request('http://regql.test/graphql'))).calls).toBe(0);
    const caller = new AbortController();
    caller.abort();
    const gone = await run(new Request('http://regql.test/graphql', { signal: caller.signal }));
    expect(gone.calls).toBe(0);
    expect(
      gone.result.errors?.map((error) => isRegistryError(error.originalError, 'UPSTREAM_ERROR')),
    ).toEqual([true]);
  });
});
