import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegistryLog, startBenchRegistry } from '../../bench/registry-log.js';
import { ConfigError } from '../../src/config.js';
import type { LocalRegistry } from '../../src/demo/registry-process.js';
import { digestOf } from '../../src/registry/digest.js';
import { TagDetailsDocument, UploadBlobDocument } from '../generated/graphql.js';
import { pushImage } from '../harness/fixtures.js';
import type { ImageFixture, RegistryInfo } from '../harness/types.js';
import { gatewayAt } from '../support/gateway.js';
import { freshRepository, multipartThrough } from '../support/multipart.js';

/** A registry of its own behind TLS (a fresh self-signed certificate), its access log on. */
let registry: LocalRegistry;
let log: RegistryLog;
/** The certificate's PEM file: what REGISTRY_CA_FILE names. */
let caFile: string;
let image: ImageFixture;

beforeAll(async () => {
  const started = await startBenchRegistry('regql-tls-', true);
  ({ registry, log } = started);
  caFile = started.ca?.file ?? '';
  const info: RegistryInfo = {
    flavour: 'open',
    url: registry.url,
    host: registry.host,
    storageDir: registry.storageDir,
    users: {},
  };
  image = await pushImage(info, 'tls/app', 'v1');
}, 60_000);

afterAll(() => registry?.stop());

/** The HTTP versions of the requests the registry logged after `mark`. */
async function versionsSince(mark: number): Promise<string[]> {
  return (await log.since(mark)).map((request) => request.version);
}

describe('a registry behind TLS that offers HTTP/2', () => {
  it('UPSTREAM_HTTP2=true: read over HTTP/2, its private CA trusted through REGISTRY_CA_FILE', async () => {
    const gw = gatewayAt(registry.url, { REGISTRY_CA_FILE: caFile, UPSTREAM_HTTP2: 'true' });
    try {
      const mark = await log.mark();
      const variables = { repository: image.repository, tag: image.tag };
      const { data, errors } = await gw.execute(TagDetailsDocument, variables);
      expect(errors).toBeUndefined();
      expect(data?.repository?.tag?.digest).toBe(image.digest);
      const versions = await versionsSince(mark);
      expect(versions.length).toBeGreaterThanOrEqual(3);
      expect(new Set(versions)).toEqual(new Set(['HTTP/2.0']));
    } finally {
      await gw.close();
    }
  });

  it('UPSTREAM_HTTP2=true: a streamed upload goes over HTTP/2 too', async () => {
    const settings = { REGISTRY_CA_FILE: caFile, UPSTREAM_HTTP2: 'true', READ_ONLY: 'false' };
    const gw = gatewayAt(registry.url, settings);
    try {
      const repository = freshRepository('h2-upload');
      const blob = randomBytes(3 * 1024 * 1024);
      const mark = await log.mark();
      const { data, errors } = await multipartThrough(gw)(
        UploadBlobDocument,
        { repository },
        { file: new Blob([blob]) },
      );
      expect(errors).toBeUndefined();
      expect(data?.uploadBlob.digest).toBe(digestOf(blob));
      expect(new Set(await versionsSince(mark))).toEqual(new Set(['HTTP/2.0']));
    } finally {
      await gw.close();
    }
  });

  it('is read over HTTP/1.1 by default', async () => {
    const gw = gatewayAt(registry.url, { REGISTRY_CA_FILE: caFile });
    try {
      const mark = await log.mark();
      const variables = { repository: image.repository, tag: image.tag };
      const { data } = await gw.execute(TagDetailsDocument, variables);
      expect(data?.repository?.tag?.digest).toBe(image.digest);
      expect(new Set(await versionsSince(mark))).toEqual(new Set(['HTTP/1.1']));
    } finally {
      await gw.close();
    }
  });

  it('without the CA the certificate is refused: UPSTREAM_ERROR, nothing served', async () => {
    const gw = gatewayAt(registry.url, { UPSTREAM_RETRIES: '0' });
    try {
      const variables = { repository: image.repository, tag: image.tag };
      const { data, errors } = await gw.execute(TagDetailsDocument, variables);
      expect(errors?.map((e) => e.extensions?.code)).toEqual(['UPSTREAM_ERROR']);
      expect(data?.repository ?? null).toBeNull();
    } finally {
      await gw.close();
    }
  });

  it('a REGISTRY_CA_FILE that is missing or holds no certificate stops the start', async () => {
    const notPem = join(registry.dir, 'not-a-certificate.txt');
    await writeFile(notPem, 'hello\n');
    for (const file of [join(registry.dir, 'missing.pem'), notPem]) {
      expect(() => gatewayAt(registry.url, { REGISTRY_CA_FILE: file })).toThrow(ConfigError);
    }
  });
});
