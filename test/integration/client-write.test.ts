import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/registry/digest.js';
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from '../../src/registry/media-types.js';
import { pushImage, skopeoCopyToDir, skopeoDigest } from '../harness/fixtures.js';
import { clientFor, loggedClient, seeded } from '../support/clients.js';
import { closeServer, listen, startProxy } from '../support/proxy.js';

const { registry, fixtures } = seeded('open');
const { client, log } = clientFor('open');
afterAll(() => client.connection.close());

/** A fresh repository name per test, so tests never touch each other's content. */
const repo = (name: string) => `write/${name}-${randomBytes(4).toString('hex')}`;

describe('chunked uploads', () => {
  it('starts, appends chunks, reports the offset, and completes with the digest', async () => {
    const repository = repo('chunked');
    const blob = randomBytes(300_000);
    const digest = digestOf(blob);
    let session = await client.uploads.start(repository);
    expect(session.offset).toBe(0);
    const first = blob.subarray(0, 100_000);
    session = await client.uploads.patch(
      repository,
      session.location,
      { data: first, length: first.length },
      0,
    );
    expect(session.offset).toBe(100_000);
    const status = await client.uploads.status(repository, session.location);
    expect(status.offset).toBe(100_000);
    const rest = blob.subarray(100_000);
    session = await client.uploads.patch(
      repository,
      status.location,
      {
        data: (async function* () {
          yield rest.subarray(0, 50_000);
          yield rest.subarray(50_000);
        })(),
        length: rest.length,
      },
      status.offset,
    );
    expect(session.offset).toBe(blob.length);
    expect(await client.uploads.complete(repository, session.location, digest)).toBe(digest);
    expect((await client.blobs.get(repository, digest, blob.length)).equals(blob)).toBe(true);
  });

  it('cancels the upload when the registry stored a chunk at another offset', async () => {
    // registry 2.8.2 appends a PATCH wherever Content-Range says it starts; the Range it
    // answers shows what it really holds, and regql compares that with what it sent
    const repository = repo('offset');
    const blob = randomBytes(2_000);
    const first = { data: blob.subarray(0, 1_000), length: 1_000 };
    const started = await client.uploads.start(repository);
    const session = await client.uploads.patch(repository, started.location, first, 0);
    const rest = { data: blob.subarray(1_000), length: 1_000 };
    const start = log.length;
    await expect(
      client.uploads.patch(repository, session.location, rest, 500),
    ).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
      message: 'upload holds 2000 bytes where 1500 were sent; the upload was cancelled',
    });
    expect(log.slice(start).map((e) => `${e.method} ${e.status}`)).toEqual([
      'PATCH 202',
      'DELETE 204',
    ]);
  });

  it('continues only at the newest location: registry 2.8 refuses a stale one', async () => {
    const repository = repo('stale');
    const blob = randomBytes(3_000);
    const started = await client.uploads.start(repository);
    const first = { data: blob.subarray(0, 1_200), length: 1_200 };
    const session = await client.uploads.patch(repository, started.location, first, 0);
    expect(session.location.href).not.toBe(started.location.href);
    await expect(client.uploads.status(repository, started.location)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      registryCode: 'BLOB_UPLOAD_INVALID',
    });
    const status = await client.uploads.status(repository, session.location);
    expect(status.offset).toBe(1_200);
    const last = { data: blob.subarray(1_200), length: 1_800 };
    expect(await client.uploads.complete(repository, status.location, digestOf(blob), last)).toBe(
      digestOf(blob),
    );
    expect((await client.blobs.get(repository, digestOf(blob), 10_000)).equals(blob)).toBe(true);
  });

  it('tells one byte held from none, although registry 2.8 answers Range 0-0 for both', async () => {
    const repository = repo('one-byte');
    const started = await client.uploads.start(repository);
    expect(started.offset).toBe(0);
    const one = await client.uploads.patch(
      repository,
      started.location,
      { data: Buffer.from('x'), length: 1 },
      0,
    );
    expect(one.offset).toBe(1);
    expect(
      await client.uploads.complete(repository, one.location, digestOf(Buffer.from('x'))),
    ).toBe(digestOf(Buffer.from('x')));
  });

  it('cancels a session: the registry forgets it and no blob appears', async () => {
    const repository = repo('cancel');
    const blob = randomBytes(1_000);
    const session = await client.uploads.start(repository);
    const next = await client.uploads.patch(
      repository,
      session.location,
      { data: blob, length: blob.length },
      0,
    );
    await client.uploads.cancel(repository, next.location);
    await expect(client.uploads.status(repository, next.location)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(client.blobs.head(repository, digestOf(blob))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('refuses to complete with a wrong digest', async () => {
    const repository = repo('wrong-digest');
    const blob = randomBytes(1_000);
    const session = await client.uploads.start(repository);
    await expect(
      client.uploads.complete(repository, session.location, digestOf(Buffer.from('other')), {
        data: blob,
        length: blob.length,
      }),
    ).rejects.toMatchObject({ code: 'INTEGRITY_ERROR', registryCode: 'DIGEST_INVALID' });
  });

  it('refuses an upload location outside the repository or the registry', async () => {
    const repository = repo('location');
    const before = log.length;
    for (const location of ['http://evil.test/v2/x/blobs/uploads/1', '/v2/other/blobs/uploads/1']) {
      await expect(client.uploads.status(repository, location)).rejects.toMatchObject({
        code: 'UPSTREAM_ERROR',
      });
    }
    expect(log.length).toBe(before);
  });
});

describe('whole-blob uploads and mounts', () => {
  it('uploads in one call: POST ?digest=, then PUT when registry 2.8 answers 202', async () => {
    const repository = repo('mono');
    const blob = randomBytes(10_000);
    const start = log.length;
    expect(await client.uploads.upload(repository, blob)).toBe(digestOf(blob));
    expect(log.slice(start).map((e) => `${e.method} ${e.status}`)).toEqual(['POST 202', 'PUT 201']);
    expect((await client.blobs.head(repository, digestOf(blob))).size).toBe(blob.length);
  });

  it('refuses a given digest that does not match, before any request', async () => {
    const before = log.length;
    await expect(
      client.uploads.upload(repo('bad'), randomBytes(10), digestOf(Buffer.from('x'))),
    ).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
    expect(log.length).toBe(before);
  });

  it('mounts a blob from another repository', async () => {
    const f = fixtures.dockerImage;
    const repository = repo('mounted');
    const digest = f.layerDigests[0] as string;
    expect(await client.uploads.mount(repository, digest, f.repository)).toEqual({
      digest,
      mounted: true,
    });
    expect((await client.blobs.head(repository, digest)).digest).toBe(digest);
  });

  it('copies the blob when the registry answers a mount with 202', async () => {
    const f = fixtures.dockerImage;
    const digest = f.layerDigests[1] as string;
    // a registry that will not mount answers 202 and opens a plain upload: strip the mount
    const proxy = await startProxy(registry.url, (req) =>
      req.path.includes('mount=')
        ? { kind: 'forward', path: req.path.split('?')[0] }
        : { kind: 'forward' },
    );
    const viaProxy = loggedClient(proxy.url).client;
    const repository = repo('copied');
    expect(await viaProxy.uploads.mount(repository, digest, f.repository)).toEqual({
      digest,
      mounted: false,
    });
    expect((await client.blobs.head(repository, digest)).digest).toBe(digest);
    await viaProxy.connection.close();
    await proxy.close();
  });
});

describe('manifests', () => {
  /** Uploads a one-layer OCI image's blobs and returns its manifest bytes. */
  async function ociImage(repository: string): Promise<Buffer> {
    const layer = randomBytes(512);
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [digestOf(layer)] },
        config: { Env: ['A=1'] },
      }),
    );
    await client.uploads.upload(repository, layer);
    await client.uploads.upload(repository, config);
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: digestOf(config), size: config.length },
      layers: [{ mediaType: OCI_LAYER_GZIP, digest: digestOf(layer), size: layer.length }],
    };
    return Buffer.from(JSON.stringify(manifest));
  }

  it('puts a manifest that skopeo then reads back with the same digest', async () => {
    const repository = repo('put');
    const bytes = await ociImage(repository);
    const digest = await client.manifests.put(repository, 'v1', bytes, OCI_MANIFEST);
    expect(digest).toBe(digestOf(bytes));
    expect(await skopeoDigest(registry, `${repository}:v1`)).toBe(digest);
    const dir = await mkdtemp(join(tmpdir(), 'regql-skopeo-'));
    try {
      await skopeoCopyToDir(registry, `${repository}:v1`, dir);
      expect(digestOf(await readFile(join(dir, 'manifest.json')))).toBe(digest);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('puts by digest, and refuses bytes that do not match the digest', async () => {
    const repository = repo('put-digest');
    const bytes = await ociImage(repository);
    expect(await client.manifests.put(repository, digestOf(bytes), bytes, OCI_MANIFEST)).toBe(
      digestOf(bytes),
    );
    const before = log.length;
    await expect(
      client.manifests.put(repository, digestOf(Buffer.from('x')), bytes, OCI_MANIFEST),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(log.length).toBe(before);
  });

  it('deletes by digest; registry 2.8 refuses deletes by tag as UNSUPPORTED', async () => {
    const image = await pushImage(registry, repo('delete'), 'gone');
    await expect(client.manifests.delete(image.repository, image.tag)).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      registryCode: 'DIGEST_INVALID',
    });
    await client.manifests.delete(image.repository, image.digest);
    await expect(client.manifests.get(image.repository, image.digest)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(skopeoDigest(registry, `${image.repository}:${image.tag}`)).rejects.toThrow();
  });

  it('deletes a blob', async () => {
    const repository = repo('blob-delete');
    const blob = randomBytes(100);
    const digest = await client.uploads.upload(repository, blob);
    await client.blobs.delete(repository, digest);
    await expect(client.blobs.head(repository, digest)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('faults a real registry cannot be made to show', () => {
  it('follows a blob redirect to another origin without sending credentials there', async () => {
    const basic = seeded('basic');
    const f = basic.fixtures.dockerImage;
    const digest = f.layerDigests[0] as string;
    const alice = { username: 'alice', password: basic.registry.users.alice ?? '' };
    const direct = loggedClient(basic.registry.url, alice).client;
    const bytes = await direct.blobs.get(f.repository, digest, 64 * 1024 * 1024);
    let storageAuthorization: string | undefined = 'not called';
    const storage = createServer((req, res) => {
      storageAuthorization = req.headers.authorization;
      res.end(bytes);
    });
    const storageUrl = await listen(storage);
    const proxy = await startProxy(basic.registry.url, (req) =>
      req.method === 'GET' && req.path.includes('/blobs/') && req.headers.authorization
        ? { kind: 'respond', status: 307, headers: { location: `${storageUrl}/blob?sig=1` } }
        : { kind: 'forward' },
    );
    const viaProxy = loggedClient(proxy.url, alice).client;
    const got = await viaProxy.blobs.get(f.repository, digest, 64 * 1024 * 1024);
    expect(got.equals(bytes)).toBe(true);
    expect(proxy.seen.some((r) => r.headers.authorization?.startsWith('Basic '))).toBe(true);
    expect(storageAuthorization).toBeUndefined();
    await Promise.all([viaProxy.connection.close(), direct.connection.close(), proxy.close()]);
    await closeServer(storage);
  });

  it('reports corrupted manifests and blobs as INTEGRITY_ERROR', async () => {
    // still valid JSON, but not the bytes that were hashed
    const flip = (body: Buffer) => Buffer.concat([body, Buffer.from('\n')]);
    const proxy = await startProxy(registry.url, (req) =>
      req.method === 'GET' && !req.path.endsWith('/v2/')
        ? { kind: 'forward', transformBody: flip }
        : { kind: 'forward' },
    );
    const viaProxy = loggedClient(proxy.url).client;
    const f = fixtures.dockerImage;
    await expect(viaProxy.manifests.get(f.repository, f.tag)).rejects.toMatchObject({
      code: 'INTEGRITY_ERROR',
    });
    await expect(viaProxy.manifests.get(f.repository, f.digest)).rejects.toMatchObject({
      code: 'INTEGRITY_ERROR',
    });
    await expect(viaProxy.blobs.config(f.repository, f.configDigest)).rejects.toMatchObject({
      code: 'INTEGRITY_ERROR',
    });
    await viaProxy.connection.close();
    await proxy.close();
  });

  it('refuses a manifest over 4 MiB without reading it whole', async () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const proxy = await startProxy(registry.url, () => ({
      kind: 'respond',
      status: 200,
      headers: { 'content-type': OCI_MANIFEST, 'content-length': String(huge.length) },
      body: huge,
    }));
    const viaProxy = loggedClient(proxy.url).client;
    await expect(viaProxy.manifests.get('any/repo', 'tag')).rejects.toMatchObject({
      code: 'INTEGRITY_ERROR',
    });
    await viaProxy.connection.close();
    await proxy.close();
  });

  it('retries GETs through a 503 storm, and never shows the upstream body', async () => {
    let failures = 2;
    const proxy = await startProxy(registry.url, () =>
      failures-- > 0
        ? { kind: 'respond', status: 503, body: 'SECRET-UPSTREAM-BODY' }
        : { kind: 'forward' },
    );
    const viaProxy = loggedClient(proxy.url, undefined, { retryBaseMs: 5 });
    const f = fixtures.dockerImage;
    expect((await viaProxy.client.manifests.get(f.repository, f.tag)).digest).toBe(f.digest);
    expect(viaProxy.log.map((e) => e.status)).toEqual([503, 503, 200]);
    failures = 10;
    const error = await viaProxy.client.manifests.get(f.repository, f.tag).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', statusCode: 503 });
    expect((error as Error).message).not.toContain('SECRET');
    await viaProxy.client.connection.close();
    await proxy.close();
  });

  it('never retries a write', async () => {
    const proxy = await startProxy(registry.url, (req) =>
      req.method === 'POST' ? { kind: 'respond', status: 503 } : { kind: 'forward' },
    );
    const viaProxy = loggedClient(proxy.url, undefined, { retryBaseMs: 5 });
    await expect(viaProxy.client.uploads.start(repo('no-retry'))).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
    });
    expect(proxy.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
    await viaProxy.client.connection.close();
    await proxy.close();
  });
});
