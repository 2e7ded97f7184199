import { describe, expect, it, vi } from 'vitest';
import { ImageDocument, RegistryStatusDocument, TagDetailsDocument } from '../generated/graphql.js';
import { seeded } from '../support/clients.js';
import { gatewayAt } from '../support/gateway.js';
import { present } from '../support/present.js';
import { type ProxyAction, type SeenRequest, startProxy } from '../support/proxy.js';

const { registry, fixtures } = seeded('open');
const f = fixtures.dockerImage;
const FAST_RETRIES = { UPSTREAM_RETRIES: '2' };

/** A proxy that applies `fault` to the first `times` requests matching `where`, then forwards. */
async function faulty(fault: ProxyAction, times: number, where: (r: SeenRequest) => boolean) {
  let left = times;
  return startProxy(registry.url, (req) =>
    where(req) && left-- > 0 ? fault : { kind: 'forward' },
  );
}

const manifestGet = (r: SeenRequest) => r.method === 'GET' && r.path.includes('/manifests/');
const configGet = (r: SeenRequest) => r.method === 'GET' && r.path.endsWith(f.configDigest);

describe('recoverable faults give correct data', () => {
  it.each([
    ['dropped connections', { kind: 'drop' } as const],
    ['a 503 storm', { kind: 'respond', status: 503 } as const],
    [
      'a passing 500 (registry 2.8 under concurrent writes)',
      { kind: 'respond', status: 500 } as const,
    ],
    [
      '429 with Retry-After',
      { kind: 'respond', status: 429, headers: { 'retry-after': '1' } } as const,
    ],
    ['a body cut off mid-way', { kind: 'truncate' } as const],
  ])('after %s', async (_name, fault) => {
    const proxy = await faulty(fault, 2, manifestGet);
    const gw = gatewayAt(proxy.url, FAST_RETRIES);
    const { data, errors } = await gw.execute(TagDetailsDocument, {
      repository: f.repository,
      tag: f.tag,
    });
    expect(errors).toBeUndefined();
    expect(data?.repository?.tag?.digest).toBe(f.digest);
    expect(proxy.seen.filter(manifestGet).length).toBeGreaterThanOrEqual(3);
    await gw.close();
    await proxy.close();
  });
});

describe('unrecoverable faults give clear contract errors, never wrong data', () => {
  it('a corrupted config is INTEGRITY_ERROR, and is not cached', async () => {
    const flip = (body: Buffer) => Buffer.concat([body, Buffer.from(' ')]);
    const proxy = await faulty({ kind: 'forward', transformBody: flip }, 1, configGet);
    const gw = gatewayAt(proxy.url);
    const bad = await gw.execute(TagDetailsDocument, { repository: f.repository, tag: f.tag });
    expect(bad.errors?.map((e) => e.extensions?.code)).toContain('INTEGRITY_ERROR');
    const good = await gw.execute(TagDetailsDocument, { repository: f.repository, tag: f.tag });
    expect(good.errors).toBeUndefined();
    const manifest = good.data?.repository?.tag?.manifest;
    expect(
      manifest?.__typename === 'ImageManifest' &&
        present(manifest.config, 'manifest.config').digest,
    ).toBe(f.configDigest);
    expect(proxy.seen.filter(configGet)).toHaveLength(2);
    await gw.close();
    await proxy.close();
  });

  it('a persistent 503 is UPSTREAM_ERROR after the retries', async () => {
    const proxy = await faulty({ kind: 'respond', status: 503 }, 1000, manifestGet);
    const gw = gatewayAt(proxy.url, FAST_RETRIES);
    const { errors } = await gw.execute(ImageDocument, { reference: `${f.repository}:${f.tag}` });
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(proxy.seen.filter(manifestGet)).toHaveLength(3);
    await gw.close();
    await proxy.close();
  });

  it.each([
    ['never answers', { kind: 'stall' } as const],
    ['answers one byte every 200 ms', { kind: 'drip', intervalMs: 200 } as const],
  ])(
    'a registry that %s: UPSTREAM_ERROR at the operation deadline; other queries go on',
    async (_n, fault) => {
      const proxy = await faulty(fault, 1000, manifestGet);
      const gw = gatewayAt(proxy.url, { OPERATION_TIMEOUT_MS: '1500', UPSTREAM_RETRIES: '0' });
      const finished: string[] = [];
      const slow = gw
        .execute(ImageDocument, { reference: `${f.repository}:${f.tag}` })
        .finally(() => finished.push('slow'));
      const other = gw.execute(RegistryStatusDocument).finally(() => finished.push('other'));
      const [slowResult, otherResult] = await Promise.all([slow, other]);
      expect(finished).toEqual(['other', 'slow']);
      expect(otherResult.data?.registry.reachable).toBe(true);
      expect(slowResult.errors?.[0]).toMatchObject({
        message: 'the operation timed out',
        extensions: { code: 'UPSTREAM_ERROR' },
      });
      await gw.close();
      await proxy.close();
    },
  );
});

describe('circuit breaker', () => {
  it('fails fast while the registry keeps failing, and recovers by itself', async () => {
    // the circuit's clock (Date) stands still unless the test moves it: the cooldown cannot end
    // between the third failure and the fast one, however long the calls take
    vi.useFakeTimers({ toFake: ['Date'] });
    let failing = true;
    const proxy = await startProxy(registry.url, () =>
      failing ? { kind: 'respond', status: 503 } : { kind: 'forward' },
    );
    const gw = gatewayAt(proxy.url, {
      UPSTREAM_RETRIES: '0',
      UPSTREAM_CIRCUIT_THRESHOLD: '3',
      UPSTREAM_CIRCUIT_COOLDOWN_MS: '300',
    });
    try {
      const ask = () => gw.execute(ImageDocument, { reference: `${f.repository}:${f.tag}` });
      for (let i = 0; i < 3; i++)
        expect((await ask()).errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
      const seenWhenOpen = proxy.seen.length;
      const fast = await ask();
      expect(fast.errors?.[0]?.message).toMatch(/circuit open/);
      expect(proxy.seen.length).toBe(seenWhenOpen);
      failing = false;
      vi.advanceTimersByTime(300);
      const recovered = await ask();
      expect(recovered.errors).toBeUndefined();
      expect(recovered.data?.image?.digest).toBe(f.digest);
    } finally {
      vi.useRealTimers();
      await gw.close();
      await proxy.close();
    }
  });
});
