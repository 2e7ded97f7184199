import { parse } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { fanOutQuery } from '../../bench/graphql.js';
import { gatewayAt, gatewayFor } from '../support/gateway.js';

/** The portal fan-out of the benchmark: repositories × tags with digest, size, platform, created time, layers. */
function fanOut(repositories: number, tags: number) {
  return gw.execute(parse(fanOutQuery(false)), { prefix: '', repositories, tags } as never);
}

// nothing listens on port 1: an operation that passes the limits fails upstream instead
const gw = gatewayAt('http://127.0.0.1:1', { UPSTREAM_RETRIES: '0' });

describe('query limits (defaults)', () => {
  afterAll(() => gw.close());

  it('lets the 50 × 20 fan-out through', async () => {
    const result = await fanOut(50, 20);
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
  });

  it.each([
    [500, 20],
    [50, 200],
    [1000, 100],
  ])('refuses a %i × %i fan-out with QUERY_TOO_COMPLEX before any upstream call', async (r, t) => {
    const mark = gw.log.length;
    const result = await fanOut(r, t);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(result.errors?.[0]?.message).toMatch(/cost is \d+; the limit is 100000/);
    expect(gw.log.length).toBe(mark);
  });

  it('weights a connection by the first it is asked with, also through variables', async () => {
    const document = parse(
      'query($n: Int) { repositories(first: $n) { nodes { tags(first: $n) { nodes { name digest } } } } }',
    );
    const small = await gw.execute(document, { n: 10 } as never);
    expect(small.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    const big = await gw.execute(document, { n: 1000 } as never);
    expect(big.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuses an operation deeper than 15 fields, even through fragments', async () => {
    const deep = parse(`
      { image(reference: "a:b") { ...M } }
      fragment M on Manifest { subject { manifest { subject { manifest { subject { manifest {
        subject { manifest { subject { manifest { subject { manifest { subject { manifest { digest } } } } } } } } } } } } } } }
    `);
    const result = await gw.execute(deep);
    expect(result.errors?.[0]).toMatchObject({
      message: 'the operation is 16 fields deep; the limit is 15',
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    });
  });

  it('refuses more than 30 aliases', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: registry { url }`).join(' ');
    const result = await gw.execute(parse(`{ ${aliases} }`));
    expect(result.errors?.[0]).toMatchObject({
      message: 'the operation has 31 aliases; the limit is 30',
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    });
  });

  it('refuses a document of more than 5000 tokens', async () => {
    const response = await gw.gateway.yoga.fetch('http://regql.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ registry { url ${'__typename '.repeat(5000)}} }` }),
    });
    const result = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(result.errors[0]?.extensions.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('gives no field suggestions', async () => {
    const result = await gw.execute(parse('{ registri { url } }'));
    expect(result.errors?.[0]?.message).toBe('Cannot query field "registri" on type "Query".');
  });

  it('refuses a JSON body over MAX_BODY_BYTES with 413, unread', async () => {
    const small = gatewayAt('http://127.0.0.1:1', { MAX_BODY_BYTES: '1024' });
    const response = await small.gateway.yoga.fetch('http://regql.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ registry { url } } # ${'x'.repeat(2000)}` }),
    });
    expect(response.status).toBe(413);
    expect(
      ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]
        ?.extensions.code,
    ).toBe('BAD_USER_INPUT');
    await small.close();
  });

  it('refuses a body without a Content-Length with 413 once more than 25 MB of it is read', async () => {
    const send = (bytes: number) => {
      const piece = new TextEncoder().encode(' '.repeat(1 << 20));
      let left = bytes;
      const body = new ReadableStream<Uint8Array>({
        start: (controller) =>
          controller.enqueue(new TextEncoder().encode('{"query":"{ __typename }"')),
        pull: (controller) => {
          if (left <= 0) {
            controller.enqueue(new TextEncoder().encode('}'));
            controller.close();
            return;
          }
          controller.enqueue(piece);
          left -= piece.length;
        },
      });
      return gw.gateway.yoga.fetch('http://regql.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit);
    };
    const small = await send(1 << 20);
    expect(small.status).toBe(200);
    expect(await small.json()).toEqual({ data: { __typename: 'Query' } });
    const large = await send(26_000_000);
    expect(large.status).toBe(413);
    expect(
      ((await large.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions
        .code,
    ).toBe('BAD_USER_INPUT');
  });
});

describe('introspection', () => {
  it('answers introspection by default (GraphiQL needs it) and refuses it when turned off', async () => {
    const query = parse('{ __schema { queryType { name } } }');
    const on = gatewayFor('open');
    expect((await on.execute(query)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const off = gatewayFor('open', { INTROSPECTION: 'false' });
    const refused = await off.execute(query);
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0]?.message).toMatch(/introspection/i);
    await Promise.all([on.close(), off.close()]);
  });
});
