import { afterAll, describe, expect, it } from 'vitest';
import { seeded } from '../support/clients.js';
import { gatewayFor } from '../support/gateway.js';

const { fixtures } = seeded('open');

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
