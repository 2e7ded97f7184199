import { describe, expect, it } from 'vitest';
import { createRegistryClient } from '../../src/registry/client.js';
import { loggedClient, seeded } from '../support/clients.js';
import { type ProxyAction, type SeenRequest, startProxy } from '../support/proxy.js';

const { registry, fixtures } = seeded('open');
const f = fixtures.dockerImage;

const configGet = (r: SeenRequest) => r.method === 'GET' && r.path.endsWith(f.configDigest);

/** A client through a proxy that applies `fault` to every config GET. */
async function throughProxy(fault: ProxyAction, maxConfigBytes?: number) {
  const proxy = await startProxy(registry.url, (req) =>
    configGet(req) ? fault : { kind: 'forward' },
  );
  const { client } = loggedClient(proxy.url, undefined, { retries: 0, maxConfigBytes });
  return {
    client,
    proxy,
    close: async () => {
      await client.connection.close();
      await proxy.close();
    },
  };
}

/** The seeded image's config bytes, as the registry serves them. */
async function configBytes(): Promise<Buffer> {
  const direct = createRegistryClient(registry.url);
  try {
    return await direct.blobs.get(f.repository, f.configDigest, 1024 * 1024);
  } finally {
    await direct.connection.close();
  }
}

describe('bodies read whole as they arrive (manifests, configs, lists)', () => {
  it('assembles a body that arrives a byte at a time', async () => {
    const { client, close } = await throughProxy({ kind: 'drip', intervalMs: 1 });
    const bytes = await client.blobs.get(f.repository, f.configDigest, 1024 * 1024);
    expect(bytes.equals(await configBytes())).toBe(true);
    await close();
  });

  it.each([
    ['declares its length', (body: Buffer) => ({ 'content-length': String(body.length) })],
    ['declares no length (chunked)', () => ({})],
  ])('refuses a body over the limit that %s: INTEGRITY_ERROR', async (_name, headers) => {
    const body = await configBytes();
    const limit = body.length - 1;
    const { client, close } = await throughProxy(
      { kind: 'respond', status: 200, headers: headers(body), body },
      limit,
    );
    await expect(client.blobs.config(f.repository, f.configDigest)).rejects.toMatchObject({
      code: 'INTEGRITY_ERROR',
      message: `blob ${f.repository}@${f.configDigest} exceeds the size limit of ${limit} bytes`,
    });
    await close();
  });

  it('stops reading when the operation is cancelled mid-body', async () => {
    const { client, close } = await throughProxy({ kind: 'drip', intervalMs: 1000 });
    const controller = new AbortController();
    const cancellable = client.derive({ deadline: controller });
    // at a byte a second the body would take minutes: the test's timeout says if reading went on
    const read = cancellable.blobs.get(f.repository, f.configDigest, 1024 * 1024);
    setTimeout(() => controller.abort(), 200);
    await expect(read).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
      message: 'the request was cancelled',
    });
    await close();
  });

  it('reads the registry code of an error answer', async () => {
    const { client, close } = await throughProxy({ kind: 'forward' });
    await expect(client.manifests.get(f.repository, 'no-such-tag')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      registryCode: 'MANIFEST_UNKNOWN',
    });
    await close();
  });
});
