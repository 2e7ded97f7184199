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

describe('@defer parts as each request ends', () => {
  it('a tag whose manifest never comes does not hold back the parts of the others', async () => {
    const f = fixtures.paged;
    const slow = f.tags[0]!;
    // the registry never answers for one tag: its part can only come with the operation's timeout
    const proxy = await startProxy(registry.url, (req) =>
      req.path === `/v2/${f.repository}/manifests/${slow}`
        ? { kind: 'stall' }
        : { kind: 'forward' },
    );
    const gw = gatewayAt(proxy.url, { OPERATION_TIMEOUT_MS: '3000' });
    try {
      const response = await gw.gateway.yoga.fetch('http://regql.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
        body: JSON.stringify({
          query: `{ repository(name: "${f.repository}") { tags { nodes { name ... @defer { digest } } } } }`,
        }),
      });
      const [first, ...later] = await parts(response);
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
    } finally {
      await gw.close();
      await proxy.close();
    }
  });
});

describe('errors inside @defer parts', () => {
  it('carry the contract code, as in a single answer, and no upstream body', async () => {
    const f = fixtures.paged;
    const failing = f.tags[0]!;
    const proxy = await startProxy(registry.url, (req) =>
      req.path === `/v2/${f.repository}/manifests/${failing}`
        ? {
            kind: 'respond',
            status: 500,
            body: '{"errors":[{"code":"UNKNOWN","message":"secret upstream detail"}]}',
          }
        : { kind: 'forward' },
    );
    const gw = gatewayAt(proxy.url, { UPSTREAM_RETRIES: '0' });
    try {
      const response = await gw.gateway.yoga.fetch('http://regql.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
        body: JSON.stringify({
          query: `{ repository(name: "${f.repository}") { tags { nodes { name ... @defer { digest } } } } }`,
        }),
      });
      const errors = (await parts(response)).flatMap((part) =>
        (
          (part.incremental ?? []) as { errors?: { message: string; extensions?: object }[] }[]
        ).flatMap((entry) => entry.errors ?? []),
      );
      expect(errors).toHaveLength(1);
      expect(errors[0]?.extensions).toEqual({ code: 'UPSTREAM_ERROR', registryCode: 'UNKNOWN' });
      expect(errors[0]?.message).not.toContain('secret');
    } finally {
      await gw.close();
      await proxy.close();
    }
  });
});
