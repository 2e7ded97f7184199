import { afterAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/registry/digest.js';
import { manifestDigestInput, parseManifest } from '../../src/registry/manifest.js';
import {
  DOCKER_MANIFEST_V1_SIGNED,
  DOCKER_MANIFEST_V2,
  OCI_INDEX,
  OCI_MANIFEST,
} from '../../src/registry/media-types.js';
import { clientFor, loggedClient, seeded } from '../support/clients.js';
import { startProxy } from '../support/proxy.js';

const { registry, fixtures } = seeded('open');
const { client, log } = clientFor('open');
afterAll(() => client.connection.close());

describe('base and catalog', () => {
  it('pings: API version, no auth', async () => {
    expect(await client.ping()).toMatchObject({
      apiVersion: 'registry/2.0',
      authScheme: 'none',
      authorized: true,
    });
  });

  it('lists every seeded repository, and pages through them with n/last and Link', async () => {
    const all = await client.catalog.all();
    for (const name of [fixtures.dockerImage.repository, fixtures.multiArch.repository]) {
      expect(all).toContain(name);
    }
    const paged: string[] = [];
    let page = await client.catalog.page({ n: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.next).toEqual({ n: 2, last: page.items[1] });
    paged.push(...page.items);
    while (page.next) {
      page = await client.catalog.page(page.next);
      paged.push(...page.items);
    }
    expect(paged).toEqual(all);
  });

  it('refuses a page size over 1000 before asking the registry', async () => {
    const before = log.length;
    await expect(client.catalog.page({ n: 1001 })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    expect(log.length).toBe(before);
  });
});

describe('tags', () => {
  it('lists all tags sorted (registry 2.8 returns them unsorted)', async () => {
    const { repository, tags } = fixtures.paged;
    expect(await client.tags.all(repository)).toEqual([...tags].sort());
  });

  it('takes a page as the registry gives it: registry 2.8 ignores n on tag lists', async () => {
    // paging itself (n, last, Link) is proven on the catalog, which 2.8 does page
    const { repository, tags } = fixtures.paged;
    const page = await client.tags.page(repository, { n: 2 });
    expect(page.next).toBeUndefined();
    expect([...page.items].sort()).toEqual([...tags].sort());
  });

  it('says NOT_FOUND with NAME_UNKNOWN for a repository that does not exist', async () => {
    await expect(client.tags.all('no/such-repo')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      registryCode: 'NAME_UNKNOWN',
      statusCode: 404,
    });
  });
});

describe('manifests', () => {
  it('reads a Docker v2 image with the digest skopeo reports', async () => {
    const f = fixtures.dockerImage;
    const manifest = await client.manifests.get(f.repository, f.tag);
    expect(manifest).toMatchObject({
      kind: 'image',
      format: 'docker',
      mediaType: DOCKER_MANIFEST_V2,
      digest: f.digest,
      schemaVersion: 2,
    });
    if (manifest.kind !== 'image') throw new Error('not an image');
    expect(manifest.config.digest).toBe(f.configDigest);
    expect(manifest.layers.map((l) => l.digest)).toEqual(f.layerDigests);
  });

  it('reads an OCI image by tag and by digest alike', async () => {
    const f = fixtures.ociImage;
    const byTag = await client.manifests.get(f.repository, f.tag);
    const byDigest = await client.manifests.get(f.repository, f.digest);
    expect(byTag).toMatchObject({ kind: 'image', format: 'oci', mediaType: OCI_MANIFEST });
    expect(byTag.digest).toBe(f.digest);
    expect(byDigest.raw).toBe(byTag.raw);
    expect(byTag.annotations).toBeTypeOf('object');
  });

  it('reads a multi-arch OCI index with each platform skopeo saw', async () => {
    const f = fixtures.multiArch;
    const index = await client.manifests.get(f.repository, f.tag);
    expect(index).toMatchObject({ kind: 'index', mediaType: OCI_INDEX, digest: f.digest });
    if (index.kind !== 'index') throw new Error('not an index');
    const platforms = index.manifests.map((d) => ({
      os: d.platform?.os,
      architecture: d.platform?.architecture,
      variant: d.platform?.variant,
      digest: d.digest,
    }));
    for (const p of f.platforms) expect(platforms).toContainEqual({ variant: undefined, ...p });
  });

  it('HEAD gives the same digest as skopeo, for every tag sharing it', async () => {
    const f = fixtures.shared;
    const heads = await Promise.all(f.tags.map((tag) => client.manifests.head(f.repository, tag)));
    for (const head of heads) expect(head.digest).toBe(f.digest);
  });

  it('revalidates a tag with If-None-Match: 304 keeps the digest, another digest gets the manifest', async () => {
    const f = fixtures.multiArch;
    expect(await client.manifests.revalidate(f.repository, f.tag, f.digest)).toBe(f.digest);
    const other = fixtures.dockerImage.digest;
    const fresh = await client.manifests.revalidate(f.repository, f.tag, other);
    expect(typeof fresh === 'string' ? fresh : fresh.digest).toBe(f.digest);
    expect(typeof fresh === 'string' ? fresh : fresh.kind).toBe('index');
    await expect(
      client.manifests.revalidate(f.repository, 'no-such-tag', f.digest),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('without an Accept list registry 2.8 converts to signed schema 1 with another digest', async () => {
    const f = fixtures.dockerImage;
    const answer = await client.manifests.negotiate(f.repository, f.tag, undefined);
    expect(answer).toMatchObject({ status: 200, mediaType: DOCKER_MANIFEST_V1_SIGNED });
    expect(answer.digest).not.toBe(f.digest);
    const bytes = Buffer.from(answer.body ?? '');
    const parsed = parseManifest(bytes, answer.mediaType, answer.digest ?? '');
    expect(parsed).toMatchObject({ kind: 'schema1', signed: true, name: f.repository, tag: f.tag });
    // the registry's digest of a signed schema 1 manifest covers the JWS payload, not the bytes
    expect(digestOf(manifestDigestInput(bytes, DOCKER_MANIFEST_V1_SIGNED))).toBe(answer.digest);
    expect(digestOf(bytes)).not.toBe(answer.digest);
  });

  it('negotiates exactly what the caller accepts', async () => {
    const f = fixtures.dockerImage;
    const answer = await client.manifests.negotiate(f.repository, f.tag, [DOCKER_MANIFEST_V2]);
    expect(answer).toMatchObject({ status: 200, mediaType: DOCKER_MANIFEST_V2, digest: f.digest });
    const missing = await client.manifests.negotiate(f.repository, 'no-such-tag', [OCI_INDEX]);
    expect(missing).toEqual({ accept: [OCI_INDEX], status: 404 });
  });

  it('says NOT_FOUND with MANIFEST_UNKNOWN for a missing tag', async () => {
    await expect(
      client.manifests.get(fixtures.dockerImage.repository, 'no-such-tag'),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', registryCode: 'MANIFEST_UNKNOWN' });
  });

  it.each([
    ['Upper/Case', 'latest'],
    ['../etc', 'latest'],
    ['fixtures/oci-image', 'bad/tag'],
    ['fixtures/oci-image', 'sha256:abc'],
  ])('refuses %s %s with BAD_USER_INPUT before any request', async (repository, reference) => {
    const before = log.length;
    await expect(client.manifests.get(repository, reference)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    expect(log.length).toBe(before);
  });
});

describe('blobs and configs', () => {
  it('reads and parses a Docker image config', async () => {
    const f = fixtures.dockerImage;
    const config = await client.blobs.config(f.repository, f.configDigest);
    expect(config.env.length).toBeGreaterThan(0);
    expect(config.diffIds).toHaveLength(f.layerDigests.length);
    expect(config.history.some((h) => h.emptyLayer)).toBe(true);
  });

  it('HEADs, GETs and streams a layer, verified against its digest', async () => {
    const f = fixtures.dockerImage;
    const digest = f.layerDigests[0] as string;
    const head = await client.blobs.head(f.repository, digest);
    const bytes = await client.blobs.get(f.repository, digest, 64 * 1024 * 1024);
    expect(bytes.length).toBe(head.size);
    expect(digestOf(bytes)).toBe(digest);
    const stream = await client.blobs.stream(f.repository, digest);
    const chunks: Buffer[] = [];
    for await (const chunk of stream.body) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });

  it('refuses a config larger than the configured limit', async () => {
    const f = fixtures.dockerImage;
    const small = loggedClient(registry.url, undefined, { maxConfigBytes: 16 });
    await expect(small.client.blobs.config(f.repository, f.configDigest)).rejects.toMatchObject({
      code: 'INTEGRITY_ERROR',
    });
    await small.client.connection.close();
  });

  it('says NOT_FOUND for a blob that does not exist', async () => {
    const missing = `sha256:${'0'.repeat(64)}`;
    await expect(client.blobs.head(fixtures.dockerImage.repository, missing)).rejects.toMatchObject(
      { code: 'NOT_FOUND' },
    );
  });
});

describe('referrers', () => {
  it('falls back to the sha256-<hex> tag schema on registry 2.8', async () => {
    const f = fixtures.referrer;
    const referrers = await client.referrers.list(f.repository, f.subjectDigest);
    expect(referrers.source).toBe('tag');
    expect(referrers.descriptors).toContainEqual(
      expect.objectContaining({ digest: f.artifactDigest, artifactType: f.artifactType }),
    );
  });

  it('filters by artifactType', async () => {
    const f = fixtures.referrer;
    const same = await client.referrers.list(f.repository, f.subjectDigest, f.artifactType);
    const other = await client.referrers.list(f.repository, f.subjectDigest, 'application/x-none');
    expect(same.descriptors.map((d) => d.digest)).toEqual([f.artifactDigest]);
    expect(other.descriptors).toEqual([]);
  });

  it('answers no referrers for a manifest that has none', async () => {
    const f = fixtures.dockerImage;
    expect((await client.referrers.list(f.repository, f.digest)).descriptors).toEqual([]);
  });
});

describe('concurrency cap', () => {
  it('never has more requests open upstream than the pool allows', async () => {
    const proxy = await startProxy(registry.url, () => ({ kind: 'forward', delayMs: 30 }));
    const capped = loggedClient(proxy.url, undefined, { connections: 2 });
    const f = fixtures.dockerImage;
    const digests = [...f.layerDigests, f.configDigest, ...f.layerDigests, f.configDigest];
    const heads = await Promise.all(digests.map((d) => capped.client.blobs.head(f.repository, d)));
    expect(heads.map((h) => h.digest)).toEqual(digests);
    expect(proxy.seen.length).toBe(digests.length);
    expect(proxy.peakInFlight()).toBe(2);
    await capped.client.connection.close();
    await proxy.close();
  });
});
