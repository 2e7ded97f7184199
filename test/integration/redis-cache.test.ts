import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_TIMEOUT_MS } from '../../src/loaders/redis.js';
import { digestOf } from '../../src/registry/digest.js';
import { RedisImageDocument } from '../generated/graphql.js';
import type { ImageFixture } from '../harness/types.js';
import { seeded } from '../support/clients.js';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { present } from '../support/present.js';
import { type RedisServer, startRedis } from '../support/redis.js';

const PREFIX = 'regql:';

/** `METHOD kind` (manifests, blobs) of each upstream request since `mark`. */
function callsSince(gateway: GatewayProcess, mark: number): string[] {
  return gateway.upstream
    .slice(mark)
    .map((r) => `${r.method} ${r.path.replace(/^\/v2\/.+\/(manifests|blobs)\/.*$/, '$1')}`);
}

/** Polls until `check` holds: gateways write to Redis in the background. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 5_000; !(await check()); await sleep(20)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
  }
}

/** Waits until `keys` are all in Redis. */
function untilStored(redis: RedisServer, keys: string[]): Promise<void> {
  return until(`${keys.join(', ')} are stored`, async () => {
    return (await redis.client.exists(...keys)) === keys.length;
  });
}

/** The Redis keys of an image's manifest and config. */
function keysOf(f: ImageFixture): { manifest: string; config: string } {
  return {
    manifest: `${PREFIX}m:${f.repository}@${f.digest}`,
    config: `${PREFIX}c:${f.repository}@${f.configDigest}`,
  };
}

/** What `replicas` starts: one Redis and two gateway processes using it. */
interface Replicas {
  redis: RedisServer;
  first: GatewayProcess;
  second: GatewayProcess;
}

/**
 * Starts, before the tests of the enclosing describe block, a fresh Redis and two gateway
 * processes for the registry at `registryUrl` sharing it (and nothing else); stops them after.
 * The object returned is filled in once they run.
 */
function replicas(registryUrl: string, env: Record<string, string> = {}): Replicas {
  const started = {} as Replicas;
  beforeAll(async () => {
    started.redis = await startRedis();
    const settings = { REDIS_URL: started.redis.url, REDIS_KEY_PREFIX: PREFIX, ...env };
    [started.first, started.second] = await Promise.all([
      startGatewayProcess(registryUrl, settings),
      startGatewayProcess(registryUrl, settings),
    ]);
  });
  afterAll(async () => {
    await Promise.all([started.first?.stop(), started.second?.stop()]);
    await started.redis?.stop();
  });
  return started;
}

describe('two gateway processes sharing one Redis (open registry, service mode)', () => {
  const { registry, fixtures } = seeded('open');
  const r = replicas(registry.url);

  it('the second serves a manifest and its config loaded by the first, with no upstream request', async () => {
    const f = fixtures.dockerImage;
    const reference = `${f.repository}@${f.digest}`;
    const loaded = await r.first.execute(RedisImageDocument, { reference });
    expect(loaded.errors).toBeUndefined();
    expect(loaded.data?.image?.digest).toBe(f.digest);
    if (loaded.data?.image?.__typename !== 'ImageManifest') throw new Error('not an image');
    const config = present(loaded.data.image.config, 'image.config');
    expect(config.digest).toBe(f.configDigest);
    expect(config.created).toEqual(expect.any(String));
    expect(callsSince(r.first, 0).sort()).toEqual(['GET blobs', 'GET manifests']);

    const keys = keysOf(f);
    await untilStored(r.redis, [keys.manifest, keys.config]);
    // Redis holds the bytes as served: the media type, a newline, then the manifest itself
    const stored = (await r.redis.client.getBuffer(keys.manifest)) ?? Buffer.alloc(0);
    const newline = stored.indexOf(0x0a);
    expect(stored.subarray(0, newline).toString()).toBe(f.mediaType);
    expect(digestOf(stored.subarray(newline + 1))).toBe(f.digest);

    const mark = r.second.upstream.length;
    const served = await r.second.execute(RedisImageDocument, { reference });
    expect(served).toEqual(loaded);
    expect(callsSince(r.second, mark)).toEqual([]);
  });

  it('shares tag hints: the second resolves a tag the first has seen with one conditional GET', async () => {
    const f = fixtures.ociImage;
    const reference = `${f.repository}:${f.tag}`;
    const loaded = await r.first.execute(RedisImageDocument, { reference });
    expect(loaded.data?.image?.digest).toBe(f.digest);
    await untilStored(r.redis, [
      ...Object.values(keysOf(f)),
      `${PREFIX}t:${f.repository}:${f.tag}`,
    ]);
    const mark = r.second.upstream.length;
    const served = await r.second.execute(RedisImageDocument, { reference });
    expect(served).toEqual(loaded);
    // If-None-Match of the shared digest: the registry answers 304, no body
    expect(callsSince(r.second, mark)).toEqual(['GET manifests']);
  });

  it('never serves a corrupted value: the gateway fetches from the registry and repairs Redis', async () => {
    const f = fixtures.publicImage;
    const reference = `${f.repository}@${f.digest}`;
    const loaded = await r.first.execute(RedisImageDocument, { reference });
    expect(loaded.data?.image?.digest).toBe(f.digest);
    const keys = keysOf(f);
    await untilStored(r.redis, [keys.manifest, keys.config]);
    // a real manifest of another image under this digest's key, and garbage as the config
    const other = await r.redis.client.getBuffer(keysOf(fixtures.dockerImage).manifest);
    await r.redis.client.set(keys.manifest, other ?? 'missing');
    await r.redis.client.set(keys.config, Buffer.from('\u0000not a config'));

    const mark = r.second.upstream.length;
    const served = await r.second.execute(RedisImageDocument, { reference });
    expect(served).toEqual(loaded);
    expect(callsSince(r.second, mark).sort()).toEqual(['GET blobs', 'GET manifests']);
    // the bad values were deleted and replaced by the verified bytes
    await until('Redis holds the verified bytes again', async () => {
      const config = await r.redis.client.getBuffer(keys.config);
      const manifest = await r.redis.client.getBuffer(keys.manifest);
      const bytes = manifest?.subarray(manifest.indexOf(0x0a) + 1);
      return (
        digestOf(config ?? Buffer.alloc(0)) === f.configDigest &&
        !!bytes &&
        digestOf(bytes) === f.digest
      );
    });
  });

  it('answers from the registry while Redis hangs, each Redis call cut off after 200 ms', async () => {
    const f = fixtures.multiArch;
    const reference = `${f.repository}@${f.digest}`;
    r.redis.process.kill('SIGSTOP');
    try {
      const started = performance.now();
      const answer = await r.second.execute(RedisImageDocument, { reference });
      const elapsed = performance.now() - started;
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.image).toMatchObject({ __typename: 'ImageIndex', digest: f.digest });
      // the manifest lookup waited for Redis as long as the timeout, then went to the registry
      expect(elapsed).toBeGreaterThanOrEqual(REDIS_TIMEOUT_MS);
      expect(elapsed).toBeLessThan(2_000);
    } finally {
      r.redis.process.kill('SIGCONT');
    }
  });

  it('answers from the registry after Redis stopped', async () => {
    await r.redis.stop();
    const f = fixtures.shared;
    const mark = r.first.upstream.length;
    const started = performance.now();
    const answer = await r.first.execute(RedisImageDocument, {
      reference: `${f.repository}@${f.digest}`,
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.image?.digest).toBe(f.digest);
    expect(callsSince(r.first, mark).sort()).toEqual(['GET blobs', 'GET manifests']);
    expect(performance.now() - started).toBeLessThan(2_000);
    // and what it had before still comes from its own memory
    const mark2 = r.first.upstream.length;
    const dockerImage = fixtures.dockerImage;
    const again = await r.first.execute(RedisImageDocument, {
      reference: `${dockerImage.repository}@${dockerImage.digest}`,
    });
    expect(again.data?.image?.digest).toBe(dockerImage.digest);
    expect(callsSince(r.first, mark2)).toEqual([]);
    // a Redis outage is counted, not logged (give the clients time to fail reconnecting)
    await sleep(1_000);
    expect(r.first.output() + r.second.output()).not.toMatch(/redis|ECONNREFUSED|timed out/i);
  });
});

describe('two gateway processes sharing one Redis (token registry, passthrough)', () => {
  const { registry, fixtures } = seeded('token');
  const basic = (user: string) => ({
    authorization: `Basic ${Buffer.from(`${user}:${registry.users[user] ?? ''}`).toString('base64')}`,
  });
  const r = replicas(registry.url, { AUTH_MODE: 'passthrough' });

  it('the second refuses bob what alice loaded through the first, and serves alice from Redis', async () => {
    const f = fixtures.ociImage;
    const reference = `${f.repository}@${f.digest}`;
    const loaded = await r.first.execute(RedisImageDocument, { reference }, basic('alice'));
    expect(loaded.errors).toBeUndefined();
    expect(loaded.data?.image?.digest).toBe(f.digest);
    await untilStored(r.redis, Object.values(keysOf(f)));

    const refuse = async () => {
      const mark = r.second.upstream.length;
      const asBob = await r.second.execute(RedisImageDocument, { reference }, basic('bob'));
      expect(asBob.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(asBob.data?.image ?? null).toBeNull();
      // bob's read right is asked of the registry (a HEAD as bob); nothing is fetched for him
      expect(callsSince(r.second, mark)).not.toContain('GET manifests');
      expect(callsSince(r.second, mark)).toContain('HEAD manifests');
    };
    await refuse();

    const mark = r.second.upstream.length;
    const asAlice = await r.second.execute(RedisImageDocument, { reference }, basic('alice'));
    expect(asAlice).toEqual(loaded);
    // alice's read right is confirmed by HEADs as alice; the manifest and config come from Redis
    const calls = callsSince(r.second, mark);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((call) => call === 'HEAD manifests')).toBe(true);

    // and bob is still refused now that the second holds the image in its own memory
    await refuse();
  });
});
