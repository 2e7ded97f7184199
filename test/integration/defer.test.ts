import { afterAll, describe, expect, it } from 'vitest';
import { seeded } from '../support/clients.js';
import { gatewayAt, gatewayFor } from '../support/gateway.js';
import { startProxy } from '../support/proxy.js';

const { fixtures, registry } = seeded('open');

/** The JSON parts of a multipart/mixed incremental delivery, in order. */
async function parts(response: Response): Promise<Record<string, unknown>[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const seen: Record<string, unknown>[] = [];
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const pieces = buffer.split('\r\n---');
    buffer = pieces.pop() ?? '';
    for (const piece of pieces) {
      const json = piece.slice(piece.indexOf('{'));
      if (json.startsWith('{')) seen.push(JSON.parse(json));
    }
  }
  return seen;
}

describe('@defer', () => {
  const gw = gatewayFor('open');
  afterAll(() => gw.close());

  it('sends tag names first, then each tag’s digest and size as they arrive', async () => {
    const f = fixtures.paged;
    const response = await gw.gateway.yoga.fetch('http://regql.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({
        query: `{ repository(name: "${f.repository}") { tags { nodes { name
          ... @defer { digest manifest { ... on ImageManifest { totalSize } } } } } } }`,
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
    const received = await parts(response);
    const first = received[0] as {
      data: { repository: { tags: { nodes: { name: string }[] } } };
    };
    expect(first.data.repository.tags.nodes.map((n) => n.name).sort()).toEqual([...f.tags].sort());
    expect(first.data.repository.tags.nodes.every((n) => Object.keys(n).length === 1)).toBe(true);
    const digests = received
      .flatMap((p) => (p.incremental as { data: { digest?: string } }[] | undefined) ?? [])
      .map((i) => i.data.digest);
    expect(digests).toEqual(f.tags.map(() => f.digest));
  });
});

/**
 * The parts of `{ tags { nodes { name ... @defer { digest } } } }` on the paged fixture, through a
 * gateway (with `env`) behind a proxy that `decide`s what the registry answers.
 */
async function deferredDigests(
  decide: Parameters<typeof startProxy>[1],
  env: Record<string, string>,
): Promise<Record<string, unknown>[]> {
  const proxy = await startProxy(registry.url, decide);
  const gw = gatewayAt(proxy.url, env);
  try {
    const response = await gw.gateway.yoga.fetch('http://regql.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({
        query: `{ repository(name: "${fixtures.paged.repository}") { tags { nodes { name ... @defer { digest } } } } }`,
      }),
    });
    return await parts(response);
  } finally {
    await gw.close();
    await proxy.close();
  }
}

/** The path of one tag's manifest in the paged fixture. */
const manifestPath = (tag: string) => `/v2/${fixtures.paged.repository}/manifests/${tag}`;

describe('@defer parts as each request ends', () => {
  it('a tag whose manifest never comes does not hold back the parts of the others', async () => {
    const slow = fixtures.paged.tags[0]!;
    // the registry never answers for one tag: its part can only come with the operation's timeout
    const [first, ...later] = await deferredDigests(
      (req) => (req.path === manifestPath(slow) ? { kind: 'stall' } : { kind: 'forward' }),
      { OPERATION_TIMEOUT_MS: '3000' },
    );
    const names = (
      first as { data: { repository: { tags: { nodes: { name: string }[] } } } }
    ).data.repository.tags.nodes.map((n) => n.name);
    // the tag names each later part brings, and whether it brought them with an error
    const brought = later.map((part) =>
      ((part.incremental ?? []) as { path: (string | number)[]; errors?: unknown[] }[]).map(
        (i) => `${names[Number(i.path[3])]}${i.errors ? ' failed' : ''}`,
      ),
    );
    const slowPart = brought.findIndex((tags) => tags.includes(`${slow} failed`));
    expect(slowPart).toBeGreaterThan(0);
    // every other tag came in an earlier part than the one that waited for the timeout
    expect(brought.slice(0, slowPart).flat().sort()).toEqual(
      names.filter((n) => n !== slow).sort(),
    );
    expect(brought[slowPart]).toEqual([`${slow} failed`]);
  });
});

describe('errors inside @defer parts', () => {
  it('carry the contract code, as in a single answer, and no upstream body', async () => {
    const failing = fixtures.paged.tags[0]!;
    const received = await deferredDigests(
      (req) =>
        req.path === manifestPath(failing)
          ? {
              kind: 'respond',
              status: 500,
              body: '{"errors":[{"code":"UNKNOWN","message":"secret upstream detail"}]}',
            }
          : { kind: 'forward' },
      { UPSTREAM_RETRIES: '0' },
    );
    const errors = received.flatMap((part) =>
      (
        (part.incremental ?? []) as { errors?: { message: string; extensions?: object }[] }[]
      ).flatMap((entry) => entry.errors ?? []),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]?.extensions).toEqual({ code: 'UPSTREAM_ERROR', registryCode: 'UNKNOWN' });
    expect(errors[0]?.message).not.toContain('secret');
  });
});
