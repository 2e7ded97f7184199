import { readFileSync } from 'node:fs';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DigestCache } from '../../src/loaders/cache.js';
import type { SharedStore } from '../../src/loaders/redis.js';
import { digestOf } from '../../src/registry/digest.js';
import { parseImageConfig } from '../../src/registry/image-config.js';
import { parseManifest } from '../../src/registry/manifest.js';
import { DOCKER_MANIFEST_V2, OCI_INDEX, OCI_MANIFEST } from '../../src/registry/media-types.js';

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url));
const REPO = 'team/app';
const MAX = 1024 * 1024;

const imageBytes = fixture('docker-v2-manifest.json');
const image = parseManifest(imageBytes, DOCKER_MANIFEST_V2, digestOf(imageBytes));
const indexBytes = fixture('oci-index.json');
const configBytes = fixture('docker-config.json');
const configDigest = digestOf(configBytes);
const config = parseImageConfig(configBytes);

/** A shared store in memory, as two replicas would see one Redis; `down` fails every call. */
class MemoryStore implements SharedStore {
  readonly values = new Map<string, Buffer>();
  writes = 0;
  down = false;

  async get(key: string) {
    this.check();
    return this.values.get(key);
  }

  async has(key: string) {
    this.check();
    return this.values.has(key);
  }

  async set(key: string, value: Buffer) {
    this.check();
    this.writes++;
    this.values.set(key, value);
  }

  async delete(key: string) {
    this.check();
    this.values.delete(key);
  }

  async close() {}

  private check() {
    if (this.down) throw new Error('connection refused');
  }
}

/** Two replicas' caches over one store. */
function replicas() {
  const store = new MemoryStore();
  return { store, first: new DigestCache(MAX, store), second: new DigestCache(MAX, store) };
}

describe('DigestCache with a shared store', () => {
  it('serves a manifest one replica added to another, verified, then from memory', async () => {
    const { store, first, second } = replicas();
    first.addManifest(REPO, image);
    await tick();
    const stored = store.values.get(`m:${REPO}@${image.digest}`);
    expect(stored?.toString()).toBe(`${DOCKER_MANIFEST_V2}\n${imageBytes.toString()}`);

    expect(await second.manifest(REPO, image.digest)).toEqual(image);
    expect(second.stats).toEqual({ hits: 0, misses: 1 });
    expect(second.sharedStats).toEqual({ hits: 1, misses: 0, errors: 0 });
    expect(await second.manifest(REPO, image.digest)).toEqual(image);
    expect(second.stats).toEqual({ hits: 1, misses: 1 });
    expect(second.sharedStats).toEqual({ hits: 1, misses: 0, errors: 0 });
    // another repository is another key
    expect(await second.manifest('team/other', image.digest)).toBeUndefined();
    expect(second.sharedStats).toEqual({ hits: 1, misses: 1, errors: 0 });
  });

  it('serves a config from the bytes it was parsed from, within the size limit', async () => {
    const { store, first, second } = replicas();
    first.addConfig(REPO, configDigest, config, configBytes);
    await tick();
    expect(await second.config(REPO, configDigest, MAX)).toEqual(config);
    expect(second.sharedStats).toEqual({ hits: 1, misses: 0, errors: 0 });

    const small = new DigestCache(MAX, store);
    expect(await small.config(REPO, configDigest, configBytes.length - 1)).toBeUndefined();
    expect(small.sharedStats).toEqual({ hits: 0, misses: 1, errors: 0 });
  });

  it.each([
    ['another manifest', Buffer.from(`${OCI_INDEX}\n${indexBytes}`)],
    ['its bytes with a media type they contradict', Buffer.from(`${OCI_MANIFEST}\n${imageBytes}`)],
    ['its bytes without a media type', imageBytes],
    ['its bytes cut short', Buffer.from(`${DOCKER_MANIFEST_V2}\n${imageBytes.subarray(0, 100)}`)],
    ['garbage', Buffer.from([0, 0xff, 0x0a, 0xfe])],
  ])('refuses %s under a manifest key: a miss, and the key is deleted', async (_, value) => {
    const { store, second } = replicas();
    const key = `m:${REPO}@${image.digest}`;
    store.values.set(key, value);
    expect(await second.manifest(REPO, image.digest)).toBeUndefined();
    expect(second.sharedStats).toEqual({ hits: 0, misses: 1, errors: 0 });
    await tick();
    expect(store.values.has(key)).toBe(false);
  });

  it('refuses a config whose bytes do not match its digest', async () => {
    const { store, second } = replicas();
    const key = `c:${REPO}@${configDigest}`;
    store.values.set(key, Buffer.from(JSON.stringify({ ...(config.raw as object), os: 'plan9' })));
    expect(await second.config(REPO, configDigest, MAX)).toBeUndefined();
    expect(second.sharedStats).toEqual({ hits: 0, misses: 1, errors: 0 });
    await tick();
    expect(store.values.has(key)).toBe(false);
  });

  it('shares tag hints, writes them only when they change, and ignores invalid ones', async () => {
    const { store, first, second } = replicas();
    first.setTagHint(REPO, 'v1', image.digest);
    first.setTagHint(REPO, 'v1', image.digest);
    await tick();
    expect(store.writes).toBe(1);
    expect(await second.tagHint(REPO, 'v1')).toBe(image.digest);
    // now remembered locally: the same hint is not written again
    second.setTagHint(REPO, 'v1', image.digest);
    await tick();
    expect(store.writes).toBe(1);

    store.values.set(`t:${REPO}:v2`, Buffer.from('not-a-digest'));
    expect(await second.tagHint(REPO, 'v2')).toBeUndefined();
    expect(await second.hasManifest(REPO, image.digest)).toBe(false);
    first.addManifest(REPO, image);
    await tick();
    expect(await second.hasManifest(REPO, image.digest)).toBe(true);
  });

  it('forgets a deleted manifest in both tiers', async () => {
    const { store, first } = replicas();
    first.addManifest(REPO, image);
    first.deleteManifest(REPO, image.digest);
    await tick();
    expect(store.values.size).toBe(0);
    expect(await first.manifest(REPO, image.digest)).toBeUndefined();
  });

  it('never fails on a failing store: lookups miss, writes are dropped, each failure is counted', async () => {
    const { store, first } = replicas();
    store.down = true;
    first.addManifest(REPO, image);
    first.addConfig(REPO, configDigest, config, configBytes);
    first.setTagHint(REPO, 'v1', image.digest);
    first.deleteManifest(REPO, image.digest);
    await tick();
    expect(first.sharedStats).toEqual({ hits: 0, misses: 0, errors: 4 });

    const fresh = new DigestCache(MAX, store);
    expect(await fresh.manifest(REPO, image.digest)).toBeUndefined();
    expect(await fresh.config(REPO, configDigest, MAX)).toBeUndefined();
    expect(await fresh.hasManifest(REPO, image.digest)).toBe(false);
    expect(await fresh.tagHint(REPO, 'v1')).toBeUndefined();
    expect(fresh.sharedStats).toEqual({ hits: 0, misses: 0, errors: 4 });
    // what this replica added itself still comes from memory
    expect(await first.config(REPO, configDigest, MAX)).toEqual(config);
  });
});

describe('DigestCache without a shared store', () => {
  it('is the in-process LRU alone', async () => {
    const cache = new DigestCache(MAX);
    expect(await cache.manifest(REPO, image.digest)).toBeUndefined();
    cache.addManifest(REPO, image);
    cache.setTagHint(REPO, 'v1', image.digest);
    expect(await cache.manifest(REPO, image.digest)).toEqual(image);
    expect(await cache.hasManifest(REPO, image.digest)).toBe(true);
    expect(await cache.tagHint(REPO, 'v1')).toBe(image.digest);
    expect(await cache.tagHint(REPO, 'v2')).toBeUndefined();
    expect(cache.stats).toEqual({ hits: 1, misses: 1 });
    expect(cache.sharedStats).toEqual({ hits: 0, misses: 0, errors: 0 });
    await cache.close();
  });
});

describe('DigestCache with registry events', () => {
  const other = 'team/other';
  /** A cache whose tag digests stay fresh for ten minutes unless an event ends that. */
  const withEvents = () => new DigestCache(MAX, undefined, 600_000, true);

  it('keeps a tag fresh until an event for its repository, and leaves other repositories fresh', () => {
    const cache = withEvents();
    for (const repository of [REPO, other]) {
      cache.setTagHint(repository, 'v1', image.digest, cache.tagMark());
    }
    expect(cache.freshTag(REPO, 'v1')).toBe(image.digest);
    cache.repositoryChanged(REPO);
    expect(cache.freshTag(REPO, 'v1')).toBeUndefined();
    expect(cache.freshTag(other, 'v1')).toBe(image.digest);
    // asked again after the event: fresh again
    cache.setTagHint(REPO, 'v1', image.digest, cache.tagMark());
    expect(cache.freshTag(REPO, 'v1')).toBe(image.digest);
  });

  it('does not mark fresh an answer that was on its way while an event came', () => {
    const cache = withEvents();
    const asked = cache.tagMark();
    const askedElsewhere = cache.tagMark();
    cache.repositoryChanged(REPO);
    // the registry's answer arrives after the event: it may predate the change
    cache.setTagHint(REPO, 'v1', image.digest, asked);
    expect(cache.freshTag(REPO, 'v1')).toBeUndefined();
    cache.setTagHint(other, 'v1', image.digest, askedElsewhere);
    expect(cache.freshTag(other, 'v1')).toBe(image.digest);
  });

  it('does not mark fresh a digest with no mark (the gateway moved the tag), and drops the old one', () => {
    const cache = withEvents();
    cache.setTagHint(REPO, 'v1', image.digest, cache.tagMark());
    cache.setTagHint(REPO, 'v1', configDigest);
    expect(cache.freshTag(REPO, 'v1')).toBeUndefined();
    // without events, a tag TTL trusts it as before
    const ttlOnly = new DigestCache(MAX, undefined, 600_000);
    ttlOnly.setTagHint(REPO, 'v1', configDigest);
    expect(ttlOnly.freshTag(REPO, 'v1')).toBe(configDigest);
  });

  it('after everythingChanged (missed events) trusts no tag, even of a repository that had events', () => {
    const cache = withEvents();
    cache.repositoryChanged(REPO);
    const asked = cache.tagMark();
    for (const repository of [REPO, other]) cache.setTagHint(repository, 'v1', image.digest, asked);
    expect(cache.freshTag(REPO, 'v1')).toBe(image.digest);
    cache.everythingChanged();
    expect(cache.freshTag(REPO, 'v1')).toBeUndefined();
    expect(cache.freshTag(other, 'v1')).toBeUndefined();
    // an answer on its way meanwhile is not trusted either; one asked for after it is
    cache.setTagHint(REPO, 'v1', image.digest, asked);
    expect(cache.freshTag(REPO, 'v1')).toBeUndefined();
    cache.setTagHint(REPO, 'v1', image.digest, cache.tagMark());
    expect(cache.freshTag(REPO, 'v1')).toBe(image.digest);
  });
});

describe('DigestCache with registry events, past its list of repositories', () => {
  it('still treats an event whose repository was pushed out of the list as having come', () => {
    const cache = new DigestCache(MAX, undefined, 600_000, true);
    const asked = cache.tagMark();
    cache.repositoryChanged(REPO);
    // as many other repositories as the list holds push REPO out of it
    for (let i = 0; i < 100_000; i++) cache.repositoryChanged(`many/r${i}`);
    cache.setTagHint(REPO, 'v1', image.digest, asked);
    expect(cache.freshTag(REPO, 'v1')).toBeUndefined();
    // an answer asked for after all of them is fresh
    cache.setTagHint(REPO, 'v1', image.digest, cache.tagMark());
    expect(cache.freshTag(REPO, 'v1')).toBe(image.digest);
  });
});
