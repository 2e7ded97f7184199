import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildImage, buildLayer } from '../../src/demo/images.js';
import { type LocalRegistry, startLocalRegistry } from '../../src/demo/registry-process.js';
import { ContentPusher } from '../../src/demo/seed.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { startServer } from '../../src/server.js';
import {
  DeleteBlobDocument,
  DeleteManifestDocument,
  DeleteTagDocument,
  UploadChunkDocument,
} from '../generated/graphql.js';
import { seeded } from '../support/clients.js';
import { gatewayAt } from '../support/gateway.js';
import { multipartBody } from '../support/multipart.js';
import { startProxy } from '../support/proxy.js';
import { until } from '../support/wait.js';

const WRITABLE = { READ_ONLY: 'false' };

describe('a registry with deletes disabled', () => {
  let registry: LocalRegistry;
  const repository = 'locked/app';
  let digest = '';
  let layerDigest = '';

  beforeAll(async () => {
    registry = await startLocalRegistry('regql-nodelete-', async (dir) => ({
      config: {
        storage: {
          filesystem: { rootdirectory: join(dir, 'storage') },
          delete: { enabled: false },
        },
      },
    }));
    const client = createRegistryClient(registry.url);
    const layer = await buildLayer({ 'app/VERSION': '1' });
    const image = buildImage({
      created: '2024-01-01T00:00:00Z',
      steps: [{ createdBy: 'COPY VERSION', layer }],
    });
    digest = await new ContentPusher(client).push(repository, image, ['a', 'b']);
    layerDigest = layer.digest;
    await client.connection.close();
  });
  afterAll(() => registry.stop());

  it.each([
    [
      'deleteManifest',
      () => ({ document: DeleteManifestDocument, variables: { repository, digest } }),
    ],
    [
      'deleteBlob',
      () => ({ document: DeleteBlobDocument, variables: { repository, digest: layerDigest } }),
    ],
    [
      'deleteTag of a shared tag',
      () => ({ document: DeleteTagDocument, variables: { repository, tag: 'a' } }),
    ],
  ] as const)('answers %s with UNSUPPORTED and changes nothing', async (_name, make) => {
    const gw = gatewayAt(registry.url, WRITABLE);
    const { document, variables } = make();
    const result = await gw.execute(document as never, variables as never);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED');
    const client = createRegistryClient(registry.url);
    for (const tag of ['a', 'b'])
      expect((await client.manifests.head(repository, tag)).digest).toBe(digest);
    expect(gw.log.map((e) => e.method)).not.toContain('PUT');
    await client.connection.close();
    await gw.close();
  });
});

describe('a registry that deletes by tag (OCI 1.1)', () => {
  it('deletes the tag with one DELETE by tag and nothing else', async () => {
    const { registry, fixtures } = seeded('open');
    const f = fixtures.shared;
    const tag = f.tags[0] ?? '';
    // registry 2.8 refuses DELETE by tag; this proxy answers it as an OCI 1.1 registry would
    const proxy = await startProxy(registry.url, (req) =>
      req.method === 'DELETE' ? { kind: 'respond', status: 202 } : { kind: 'forward' },
    );
    const gw = gatewayAt(proxy.url, WRITABLE);
    const { data, errors } = await gw.execute(DeleteTagDocument, { repository: f.repository, tag });
    expect(errors).toBeUndefined();
    expect(data?.deleteTag).toEqual({ digest: f.digest, deletedTags: [tag] });
    expect(proxy.seen.map((r) => `${r.method} ${r.path}`)).toEqual([
      `HEAD /v2/${f.repository}/manifests/${tag}`,
      `DELETE /v2/${f.repository}/manifests/${tag}`,
    ]);
    await gw.close();
    await proxy.close();
  });
});

describe('a caller that goes away in the middle of a chunk', () => {
  it('cancels the upstream upload session', async () => {
    const { registry } = seeded('open');
    // hold every PATCH long enough for the caller to leave while it is under way
    const proxy = await startProxy(registry.url, (req) =>
      req.method === 'PATCH' ? { kind: 'forward', delayMs: 1_500 } : { kind: 'forward' },
    );
    const server = await startServer(
      loadConfig({ REGISTRY_URL: proxy.url, READ_ONLY: 'false', PORT: '0', LOG_LEVEL: 'silent' }),
    );
    const url = `${server.url}/graphql`;
    const repository = `mut/leaving-${randomBytes(4).toString('hex')}`;
    const started = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($r: String!) { startUpload(repository: $r) { id } }',
        variables: { r: repository },
      }),
    });
    const id = ((await started.json()) as { data: { startUpload: { id: string } } }).data
      .startUpload.id;
    const caller = new AbortController();
    const body = multipartBody(
      UploadChunkDocument,
      { repository, id },
      {
        chunk: new Blob([randomBytes(64 * 1024)]),
      },
    );
    const upload = fetch(url, {
      method: 'POST',
      headers: { 'x-regql-csrf': '1' },
      body,
      signal: caller.signal,
    }).catch((error: Error) => error);
    // leave once the PATCH has reached the proxy
    await until(() => proxy.seen.some((r) => r.method === 'PATCH'));
    caller.abort();
    expect(await upload).toBeInstanceOf(Error);
    await until(() => proxy.seen.some((r) => r.method === 'DELETE'));
    const uploadPath = `/v2/${repository}/blobs/uploads/`;
    expect(proxy.seen.filter((r) => r.path.startsWith(uploadPath)).map((r) => r.method)).toEqual([
      'POST',
      'PATCH',
      'DELETE',
    ]);
    await server.close();
    await proxy.close();
  });
});
