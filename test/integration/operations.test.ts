import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { ImageDocument } from '../generated/graphql.js';
import { seeded } from '../support/clients.js';
import { gatewayAt, gatewayFor, type TestGateway } from '../support/gateway.js';
import { loggedGateway } from '../support/logs.js';
import { startProxy } from '../support/proxy.js';

const { registry, fixtures } = seeded('open');
const f = fixtures.dockerImage;

/** Requests a path of a test gateway's Yoga app. */
async function get(gw: TestGateway, path: string, init: RequestInit = {}): Promise<Response> {
  return gw.gateway.yoga.fetch(`http://regql.test${path}`, init);
}

describe('health, readiness and metrics', () => {
  const gw = gatewayFor('open');
  afterAll(() => gw.close());

  it('answers /health, and /ready while the registry answers', async () => {
    expect((await get(gw, '/health')).status).toBe(200);
    const ready = await get(gw, '/ready');
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });

  it('sends a browser at / on to GraphiQL, and points anything else at the endpoints', async () => {
    const browser = await get(gw, '/', { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect([browser.status, browser.headers.get('location')]).toEqual([302, '/graphql']);
    const other = await get(gw, '/', { headers: { accept: '*/*' } });
    expect(other.status).toBe(200);
    expect(await other.json()).toMatchObject({ graphql: '/graphql', health: '/health' });
    // the pointer is for GET (and HEAD) only: anything else at / stays not found
    expect((await get(gw, '/', { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('is not ready when the registry is down, nor while draining', async () => {
    const down = gatewayAt('http://127.0.0.1:1', { UPSTREAM_RETRIES: '0' });
    expect((await get(down, '/ready')).status).toBe(503);
    expect((await get(down, '/health')).status).toBe(200);
    await down.close();
    const draining = gatewayFor('open');
    draining.gateway.drain();
    expect(await (await get(draining, '/ready')).json()).toEqual({ status: 'draining' });
    await draining.close();
  });

  it('counts operations, errors by code, upstream requests by endpoint, and cache hits', async () => {
    await gw.execute(ImageDocument, { reference: `${f.repository}@${f.digest}` });
    await gw.execute(ImageDocument, { reference: `${f.repository}@${f.digest}` });
    await gw.execute(ImageDocument, { reference: 'Bad/Name:1' });
    const response = await get(gw, '/metrics');
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^regql_graphql_operations_total\{type="query"\} [3-9]/m);
    expect(text).toMatch(/^regql_graphql_errors_total\{code="BAD_USER_INPUT"\} [1-9]/m);
    expect(text).toMatch(
      /^regql_upstream_requests_total\{endpoint="manifests",method="GET",status="200"\} [1-9]/m,
    );
    expect(text).toMatch(
      /^regql_upstream_request_duration_seconds_count\{endpoint="manifests"\} [1-9]/m,
    );
    expect(text).toMatch(/^regql_cache_hits_total [1-9]/m);
    expect(text).toMatch(/^regql_uploads_in_flight 0/m);
  });
});

describe('logs', () => {
  it('one JSON line per operation: request id, operation, duration, upstream calls, error codes', async () => {
    const { gateway, lines } = loggedGateway(registry.url);
    const response = await gateway.yoga.fetch('http://regql.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'portal-42' },
      body: JSON.stringify({
        query: 'query TagDigest($r: String!) { image(reference: $r) { digest } }',
        variables: { r: `${f.repository}:${f.tag}` },
      }),
    });
    expect(response.headers.get('x-request-id')).toBe('portal-42');
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'graphql',
        requestId: 'portal-42',
        operation: 'TagDigest',
        upstreamCalls: 1,
        execution: 'compiled',
        durationMs: expect.any(Number),
      }),
    );
    // A bad argument refuses the whole operation before any upstream call:
    // its line names the code, counts no calls and names no executor.
    await gateway.yoga.fetch('http://regql.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'portal-43' },
      body: JSON.stringify({
        query:
          'query Refused { image(reference: "a:1") { digest } bad: repository(name: "X") { name } }',
      }),
    });
    const refused = lines.find((line) => line.requestId === 'portal-43');
    expect(refused).toMatchObject({
      msg: 'graphql',
      operation: 'Refused',
      upstreamCalls: 0,
      errors: ['BAD_USER_INPUT'],
      durationMs: expect.any(Number),
    });
    expect(refused).not.toHaveProperty('execution');
    const other = await gateway.yoga.fetch('http://regql.test/graphql?query={registry{url}}', {
      headers: { 'x-regql-csrf': '1' },
    });
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await gateway.close();
  });

  it('never logs credentials', async () => {
    const token = seeded('token');
    const secret = token.registry.users.alice ?? '';
    const { gateway, lines } = loggedGateway(token.registry.url, { AUTH_MODE: 'passthrough' });
    for (const password of [secret, 'wrong-password-31337']) {
      await gateway.yoga.fetch('http://regql.test/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`,
        },
        body: JSON.stringify({
          query: `{ image(reference: "${f.repository}:${f.tag}") { digest } }`,
        }),
      });
    }
    const text = JSON.stringify(lines);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('wrong-password-31337');
    expect(text).not.toContain(Buffer.from(`alice:${secret}`).toString('base64'));
    await gateway.close();
  });
});

describe('CORS', () => {
  it('answers preflights for configured origins only', async () => {
    const gw = gatewayFor('open', { CORS_ORIGINS: 'https://portal.example.com' });
    const preflight = (origin: string) =>
      get(gw, '/graphql', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const allowed = await preflight('https://portal.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://portal.example.com');
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).not.toBe('https://evil.example.com');
    await gw.close();
  });

  it('sends no CORS headers by default', async () => {
    const gw = gatewayFor('open');
    const response = await get(gw, '/graphql', {
      method: 'OPTIONS',
      headers: { origin: 'https://portal.example.com', 'access-control-request-method': 'POST' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    await gw.close();
  });
});

describe('persisted operations', () => {
  const query = 'query Status { registry { url reachable } }';
  const hash = createHash('sha256').update(query).digest('hex');
  let dir = '';

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs persisted operations by hash, and in allow-list mode nothing else', async () => {
    dir = await mkdtemp(join(tmpdir(), 'regql-persisted-'));
    const file = join(dir, 'operations.json');
    await writeFile(file, JSON.stringify({ [hash]: query }));
    const gw = gatewayFor('open', {
      PERSISTED_OPERATIONS_FILE: file,
      PERSISTED_OPERATIONS_ONLY: 'true',
    });
    const post = (body: unknown) =>
      get(gw, '/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ data?: unknown; errors?: { message: string }[] }>);
    const persisted = await post({
      extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
    });
    expect(persisted).toEqual({ data: { registry: { url: registry.url, reachable: true } } });
    const arbitrary = await post({ query: '{ registry { url } }' });
    expect(arbitrary.data).toBeUndefined();
    expect(arbitrary.errors?.[0]?.message).toMatch(/persisted/i);
    await gw.close();
  });

  it('refuses to start with a file whose keys are not the sha256 of their queries', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ ['0'.repeat(64)]: query }));
    expect(() => gatewayFor('open', { PERSISTED_OPERATIONS_FILE: file })).toThrow(ConfigError);
  });
});

describe('graceful shutdown', () => {
  it('finishes a request in flight, then stops accepting', async () => {
    const proxy = await startProxy(registry.url, (req) =>
      req.path.includes('/manifests/') ? { kind: 'forward', delayMs: 600 } : { kind: 'forward' },
    );
    const server = await startServer(
      loadConfig({ REGISTRY_URL: proxy.url, PORT: '0', LOG_LEVEL: 'silent' }),
    );
    const url = `${server.url}/graphql`;
    const slow = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{ image(reference: "${f.repository}:${f.tag}") { digest } }`,
      }),
    });
    while (!proxy.seen.some((r) => r.path.includes('/manifests/'))) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const closing = server.close();
    const answer = (await (await slow).json()) as { data: { image: { digest: string } } };
    expect(answer.data.image.digest).toBe(f.digest);
    await closing;
    await expect(fetch(url, { method: 'POST', body: '{}' })).rejects.toThrow();
    await proxy.close();
  });
});
