import { randomBytes, randomUUID } from 'node:crypto';
import type { ExecutionResult } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/registry/digest.js';
import {
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_MANIFEST_V2,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
} from '../../src/registry/media-types.js';
import {
  BlobDocument,
  DeleteBlobDocument,
  DeleteManifestDocument,
  DeleteTagDocument,
  MountBlobDocument,
  PutManifestDocument,
  StartUploadDocument,
  TagManifestDocument,
} from '../generated/graphql.js';
import { run } from '../harness/exec.js';
import { pushImage, skopeoDigest } from '../harness/fixtures.js';
import { clientFor, seeded } from '../support/clients.js';
import { gatewayFor, type TestGateway } from '../support/gateway.js';
import { codeWithoutUpstream, freshRepository, upstreamCalls } from '../support/multipart.js';

const { registry, fixtures } = seeded('open');
const gw = gatewayFor('open', { READ_ONLY: 'false' });
const readOnly = gatewayFor('open');
const direct = clientFor('open').client;
afterAll(async () => {
  await Promise.all([gw.close(), readOnly.close()]);
  await direct.connection.close();
});

/** skopeo's complaint about a manifest the registry does not have. */
const MISSING = /manifest unknown/i;

/** Copies `repo:tag` (every image of an index, digests kept) to `target` with skopeo. */
async function skopeoCopy(source: string, target: string): Promise<void> {
  await run('skopeo', [
    '--insecure-policy',
    'copy',
    '--quiet',
    '--all',
    '--preserve-digests',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${registry.host}/${source}`,
    `docker://${registry.host}/${target}`,
  ]);
}

/** Pushes a unique image as `repository:<first tag>` and copies it to the other tags. */
async function pushShared(repository: string, tags: string[]): Promise<string> {
  const [first = 'latest', ...rest] = tags;
  const { digest } = await pushImage(registry, repository, first);
  // one after another: registry 2.8 sometimes answers a manifest read with 500 while other
  // tags of the same repository are being written
  for (const tag of rest) await skopeoCopy(`${repository}:${first}`, `${repository}:${tag}`);
  for (const tag of rest) expect(await skopeoDigest(registry, `${repository}:${tag}`)).toBe(digest);
  return digest;
}

/** An empty OCI index whose digest no other test shares (it needs no blobs). */
function uniqueEmptyIndex(): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [],
    annotations: { 'org.example.test': randomUUID() },
  });
}

describe('read-only gateway', () => {
  const repository = freshRepository('read-only');
  const digest = digestOf(randomBytes(16));
  const manifest = uniqueEmptyIndex();
  it.each<[string, () => Promise<ExecutionResult<unknown>>]>([
    ['deleteManifest', () => readOnly.execute(DeleteManifestDocument, { repository, digest })],
    ['deleteTag', () => readOnly.execute(DeleteTagDocument, { repository, tag: 'v1' })],
    ['deleteBlob', () => readOnly.execute(DeleteBlobDocument, { repository, digest })],
    ['startUpload', () => readOnly.execute(StartUploadDocument, { repository })],
    [
      'mountBlob',
      () =>
        readOnly.execute(MountBlobDocument, {
          repository,
          digest,
          from: fixtures.ociImage.repository,
        }),
    ],
    [
      'putManifest',
      () => readOnly.execute(PutManifestDocument, { repository, reference: 'v1', manifest }),
    ],
    [
      'tagManifest',
      () => readOnly.execute(TagManifestDocument, { repository, source: 'v1', tag: 'v2' }),
    ],
  ])('refuses %s with READ_ONLY, without an upstream call', async (_name, send) => {
    expect(await codeWithoutUpstream(readOnly, send)).toBe('READ_ONLY');
  });
});

describe('input validation', () => {
  const repository = freshRepository('invalid');
  const digest = digestOf(randomBytes(16));
  const manifest = uniqueEmptyIndex();
  it.each<[string, (g: TestGateway) => Promise<ExecutionResult<unknown>>]>([
    [
      'an upper-case repository',
      (g) => g.execute(DeleteManifestDocument, { repository: 'Mut/Upper', digest }),
    ],
    [
      'a repository with an empty component',
      (g) => g.execute(StartUploadDocument, { repository: 'mut//x' }),
    ],
    ['a tag starting with a dash', (g) => g.execute(DeleteTagDocument, { repository, tag: '-v1' })],
    ['a short digest', (g) => g.execute(DeleteBlobDocument, { repository, digest: 'sha256:1234' })],
    [
      'a source repository with ..',
      (g) => g.execute(MountBlobDocument, { repository, digest, from: '../etc' }),
    ],
    [
      'a reference with a space',
      (g) => g.execute(PutManifestDocument, { repository, reference: 'v 1', manifest }),
    ],
    [
      'a tag of 129 characters',
      (g) => g.execute(TagManifestDocument, { repository, source: 'v1', tag: 'x'.repeat(129) }),
    ],
    [
      'a source digest that is not hex',
      (g) =>
        g.execute(TagManifestDocument, {
          repository,
          source: `sha256:${'z'.repeat(64)}`,
          tag: 'v2',
        }),
    ],
  ])('refuses %s with BAD_USER_INPUT, without an upstream call', async (_name, send) => {
    expect(await codeWithoutUpstream(gw, () => send(gw))).toBe('BAD_USER_INPUT');
  });
});

describe('deleteManifest', () => {
  it('deletes a manifest and every tag that points at it, and nothing else', async () => {
    const repository = freshRepository('delete-manifest');
    const digest = await pushShared(repository, ['b', 'c', 'a']);
    const other = await pushImage(registry, repository, 'other');
    const mark = gw.log.length;
    const { data, errors } = await gw.execute(DeleteManifestDocument, { repository, digest });
    expect(errors).toBeUndefined();
    expect(data?.deleteManifest).toEqual({ digest, deletedTags: ['a', 'b', 'c'] });
    expect(upstreamCalls(gw, mark, repository)).toContain(`DELETE /manifests/${digest} 202`);
    for (const gone of [':a', ':b', ':c', `@${digest}`]) {
      await expect(skopeoDigest(registry, `${repository}${gone}`)).rejects.toThrow(MISSING);
    }
    expect(await direct.tags.all(repository)).toEqual(['other']);
    expect(await skopeoDigest(registry, `${repository}:other`)).toBe(other.digest);
  });

  it('answers NOT_FOUND for a digest the repository does not hold', async () => {
    const repository = freshRepository('delete-manifest-unknown');
    await pushImage(registry, repository, 'v1');
    const digest = digestOf(randomBytes(16));
    const { errors } = await gw.execute(DeleteManifestDocument, { repository, digest });
    expect(errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('deleteTag', () => {
  it('deletes the manifest by digest when no other tag shares it', async () => {
    const repository = freshRepository('delete-tag-alone');
    const solo = await pushImage(registry, repository, 'solo');
    const keep = await pushImage(registry, repository, 'keep');
    const mark = gw.log.length;
    const { data, errors } = await gw.execute(DeleteTagDocument, { repository, tag: 'solo' });
    expect(errors).toBeUndefined();
    expect(data?.deleteTag).toEqual({ digest: solo.digest, deletedTags: ['solo'] });
    const calls = upstreamCalls(gw, mark, repository);
    expect(calls).toContain(`DELETE /manifests/${solo.digest} 202`);
    expect(calls.filter((call) => call.startsWith('PUT '))).toEqual([]);
    expect(await direct.tags.all(repository)).toEqual(['keep']);
    await expect(skopeoDigest(registry, `${repository}@${solo.digest}`)).rejects.toThrow(MISSING);
    expect(await skopeoDigest(registry, `${repository}:keep`)).toBe(keep.digest);
  });

  it('moves a shared tag to a throw-away index and deletes that; the other tags and the manifest stay', async () => {
    const repository = freshRepository('delete-tag-shared');
    const digest = await pushShared(repository, ['a', 'b', 'c']);
    const mark = gw.log.length;
    const { data, errors } = await gw.execute(DeleteTagDocument, { repository, tag: 'b' });
    expect(errors).toBeUndefined();
    expect(data?.deleteTag).toEqual({ digest, deletedTags: ['b'] });
    const calls = upstreamCalls(gw, mark, repository);
    expect(calls).toContain('PUT /manifests/b 201');
    // (a first DELETE by tag, which registry 2.8 refuses with 400, may come before)
    const deletes = calls.filter((call) => /^DELETE .* 202$/.test(call));
    expect(deletes).toHaveLength(1);
    expect(deletes[0]).not.toContain(digest);
    expect(await direct.tags.all(repository)).toEqual(['a', 'c']);
    expect(await skopeoDigest(registry, `${repository}:a`)).toBe(digest);
    expect(await skopeoDigest(registry, `${repository}:c`)).toBe(digest);
    expect(await skopeoDigest(registry, `${repository}@${digest}`)).toBe(digest);
    await expect(skopeoDigest(registry, `${repository}:b`)).rejects.toThrow(MISSING);
    const throwAway = deletes[0]?.split(' ')[1]?.replace('/manifests/', '');
    await expect(skopeoDigest(registry, `${repository}@${throwAway}`)).rejects.toThrow(MISSING);
  });

  it('deletes two shared tags at once without taking a third with them (each throw-away index is unique)', async () => {
    const repository = freshRepository('delete-tag-concurrent');
    const digest = await pushShared(repository, ['a', 'b', 'c', 'd']);
    const results = await Promise.all(
      ['b', 'c'].map((tag) => gw.execute(DeleteTagDocument, { repository, tag })),
    );
    expect(results.map((r) => r.errors)).toEqual([undefined, undefined]);
    expect(results.map((r) => r.data?.deleteTag.deletedTags)).toEqual([['b'], ['c']]);
    expect(await direct.tags.all(repository)).toEqual(['a', 'd']);
    expect(await skopeoDigest(registry, `${repository}:d`)).toBe(digest);
  });

  it('answers NOT_FOUND for an unknown tag, and changes nothing', async () => {
    const repository = freshRepository('delete-tag-unknown');
    const { digest } = await pushImage(registry, repository, 'v1');
    const mark = gw.log.length;
    const { errors } = await gw.execute(DeleteTagDocument, { repository, tag: 'v2' });
    expect(errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const writes = upstreamCalls(gw, mark, repository).filter((c) => /^(PUT|DELETE) /.test(c));
    expect(writes).toEqual([]);
    expect(await skopeoDigest(registry, `${repository}:v1`)).toBe(digest);
  });
});

describe('deleteBlob', () => {
  it('deletes a blob from the repository', async () => {
    const repository = freshRepository('delete-blob');
    const { layerDigests } = await pushImage(registry, repository, 'v1');
    const digest = layerDigests[0] ?? '';
    const mark = gw.log.length;
    const { data, errors } = await gw.execute(DeleteBlobDocument, { repository, digest });
    expect(errors).toBeUndefined();
    expect(data?.deleteBlob).toEqual({ digest, deletedTags: [] });
    expect(upstreamCalls(gw, mark, repository)).toContain(`DELETE /blobs/${digest} 202`);
    const after = await gw.execute(BlobDocument, { repository, digest });
    expect(after).toEqual({ data: { repository: { blob: null } } });
  });

  it('answers NOT_FOUND for a blob the repository does not hold', async () => {
    const repository = freshRepository('delete-blob-unknown');
    await pushImage(registry, repository, 'v1');
    const { errors } = await gw.execute(DeleteBlobDocument, {
      repository,
      digest: digestOf(randomBytes(16)),
    });
    expect(errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

/** A fresh repository holding a config and a layer blob (uploaded by the registry client). */
async function repositoryWithBlobs(name: string) {
  const repository = freshRepository(name);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const layer = randomBytes(1024);
  const blob = async (bytes: Buffer) => ({
    digest: await direct.uploads.upload(repository, bytes),
    size: bytes.length,
  });
  return { repository, config: await blob(config), layer: await blob(layer) };
}

describe('putManifest', () => {
  it.each([
    ['an OCI image manifest', OCI_MANIFEST, OCI_CONFIG, OCI_LAYER_GZIP],
    ['a Docker v2 image manifest', DOCKER_MANIFEST_V2, DOCKER_CONFIG, DOCKER_LAYER],
  ])(
    'puts %s: its digest is that of the exact bytes, its media type read from the body',
    async (_kind, mediaType, configType, layerType) => {
      const { repository, config, layer } = await repositoryWithBlobs('put-image');
      const body = {
        schemaVersion: 2,
        mediaType,
        config: { mediaType: configType, ...config },
        layers: [{ mediaType: layerType, ...layer }],
      };
      // indented: the bytes are stored as sent, never re-serialised
      const manifest = JSON.stringify(body, null, 3);
      const digest = digestOf(Buffer.from(manifest));
      const mark = gw.log.length;
      const { data, errors } = await gw.execute(PutManifestDocument, {
        repository,
        reference: 'v1',
        manifest,
      });
      expect(errors).toBeUndefined();
      expect(data?.putManifest).toMatchObject({
        __typename: 'ImageManifest',
        digest,
        mediaType,
        size: Buffer.byteLength(manifest),
        raw: manifest,
        tags: [{ name: 'v1' }],
        config: { digest: config.digest },
        layers: [{ digest: layer.digest }],
      });
      expect(upstreamCalls(gw, mark, repository)).toContain('PUT /manifests/v1 201');
      expect(await skopeoDigest(registry, `${repository}:v1`)).toBe(digest);
    },
  );

  it('puts an OCI index by digest, its media type from the argument when the body has none', async () => {
    const { repository, config, layer } = await repositoryWithBlobs('put-index');
    const image = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, ...config },
      layers: [{ mediaType: OCI_LAYER_GZIP, ...layer }],
    });
    const child = await gw.execute(PutManifestDocument, {
      repository,
      reference: 'amd64',
      manifest: image,
    });
    expect(child.errors).toBeUndefined();
    const manifests = [
      {
        mediaType: OCI_MANIFEST,
        digest: digestOf(Buffer.from(image)),
        size: Buffer.byteLength(image),
        platform: { os: 'linux', architecture: 'amd64' },
      },
    ];
    const manifest = JSON.stringify({ schemaVersion: 2, manifests });
    const digest = digestOf(Buffer.from(manifest));
    const { data, errors } = await gw.execute(PutManifestDocument, {
      repository,
      reference: digest,
      manifest,
      mediaType: OCI_INDEX,
    });
    expect(errors).toBeUndefined();
    expect(data?.putManifest).toMatchObject({
      __typename: 'ImageIndex',
      digest,
      mediaType: OCI_INDEX,
      tags: [],
      manifests: [{ digest: manifests[0]?.digest }],
    });
    expect(await skopeoDigest(registry, `${repository}@${digest}`)).toBe(digest);
  });

  it('refuses a manifest that is not JSON with BAD_USER_INPUT, without an upstream call', async () => {
    const repository = freshRepository('put-invalid');
    const send = () =>
      gw.execute(PutManifestDocument, {
        repository,
        reference: 'v1',
        manifest: '{"schemaVersion": 2,',
      });
    expect(await codeWithoutUpstream(gw, send)).toBe('BAD_USER_INPUT');
  });

  it('refuses a manifest naming a blob the repository lacks with BAD_USER_INPUT naming it, and PUTs nothing', async () => {
    const { repository, config } = await repositoryWithBlobs('put-missing-blob');
    const missing = digestOf(randomBytes(64));
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, ...config },
      layers: [{ mediaType: OCI_LAYER_GZIP, digest: missing, size: 64 }],
    });
    const mark = gw.log.length;
    const { errors } = await gw.execute(PutManifestDocument, {
      repository,
      reference: 'v1',
      manifest,
    });
    expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0]?.message).toContain(missing);
    expect(upstreamCalls(gw, mark, repository).filter((call) => call.startsWith('PUT '))).toEqual(
      [],
    );
  });
});

describe('tagManifest', () => {
  it.each([
    ['a Docker v2 image', fixtures.dockerImage],
    ['an OCI image', fixtures.ociImage],
    ['an OCI index', fixtures.multiArch],
  ])('tags %s by tag and by digest, its bytes unchanged', async (_kind, source) => {
    const repository = freshRepository('tag');
    await skopeoCopy(`${source.repository}:${source.tag}`, `${repository}:source`);
    expect(await skopeoDigest(registry, `${repository}:source`)).toBe(source.digest);
    const mark = gw.log.length;
    const byTag = await gw.execute(TagManifestDocument, {
      repository,
      source: 'source',
      tag: 'by-tag',
    });
    expect(byTag.errors).toBeUndefined();
    expect(byTag.data?.tagManifest).toMatchObject({
      name: 'by-tag',
      digest: source.digest,
      manifest: { digest: source.digest, mediaType: source.mediaType },
    });
    expect(upstreamCalls(gw, mark, repository)).toContain('PUT /manifests/by-tag 201');
    const byDigest = await gw.execute(TagManifestDocument, {
      repository,
      source: source.digest,
      tag: 'by-digest',
    });
    expect(byDigest.data?.tagManifest).toMatchObject({ name: 'by-digest', digest: source.digest });
    for (const tag of ['by-tag', 'by-digest']) {
      expect(await skopeoDigest(registry, `${repository}:${tag}`)).toBe(source.digest);
    }
  });

  it('answers NOT_FOUND for an unknown source, and PUTs nothing', async () => {
    const repository = freshRepository('tag-unknown');
    await pushImage(registry, repository, 'v1');
    const mark = gw.log.length;
    for (const source of ['v2', digestOf(randomBytes(16))]) {
      const { errors } = await gw.execute(TagManifestDocument, { repository, source, tag: 'copy' });
      expect(errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    expect(upstreamCalls(gw, mark, repository).filter((call) => call.startsWith('PUT '))).toEqual(
      [],
    );
  });
});

describe('token registry', () => {
  const { registry: tokenRegistry } = seeded('token');
  /** A writing gateway to the token registry with `user`'s credentials. */
  const writerAs = (user: string) =>
    gatewayFor('token', {
      READ_ONLY: 'false',
      REGISTRY_USERNAME: user,
      REGISTRY_PASSWORD: tokenRegistry.users[user] ?? '',
    });
  const alice = writerAs('alice');
  const bob = writerAs('bob');
  afterAll(() => Promise.all([alice.close(), bob.close()]));

  it('writes and deletes as the service account alice', async () => {
    const repository = freshRepository('alice');
    const manifest = uniqueEmptyIndex();
    const put = await alice.execute(PutManifestDocument, { repository, reference: 'v1', manifest });
    expect(put.errors).toBeUndefined();
    const digest = put.data?.putManifest.digest ?? '';
    expect(digest).toBe(digestOf(Buffer.from(manifest)));
    const deleted = await alice.execute(DeleteManifestDocument, { repository, digest });
    expect(deleted.data?.deleteManifest).toEqual({ digest, deletedTags: ['v1'] });
  });

  it('as bob, writes to bob/ but is refused under fixtures/', async () => {
    const own = freshRepository('own', 'bob');
    const allowed = await bob.execute(PutManifestDocument, {
      repository: own,
      reference: 'v1',
      manifest: uniqueEmptyIndex(),
    });
    expect(allowed.errors).toBeUndefined();
    const foreign = freshRepository('bob', 'fixtures');
    const mark = bob.log.length;
    const refused = await bob.execute(PutManifestDocument, {
      repository: foreign,
      reference: 'v1',
      manifest: uniqueEmptyIndex(),
    });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(upstreamCalls(bob, mark, foreign).filter((call) => / 201$/.test(call))).toEqual([]);
  });
});
