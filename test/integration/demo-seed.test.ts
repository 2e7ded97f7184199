import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegistryProcess, startLocalRegistry } from '../../src/demo/registry-process.js';
import { type DemoSummary, seedDemo } from '../../src/demo/seed.js';
import { createRegistryClient, type RegistryClient } from '../../src/registry/client.js';
import { digestOf } from '../../src/registry/digest.js';
import { layerHistory } from '../../src/registry/image-config.js';
import type { ImageManifest, Manifest } from '../../src/registry/manifest.js';
import {
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_MANIFEST_V2,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
} from '../../src/registry/media-types.js';
import { run } from '../harness/exec.js';

/** The demo/app releases, oldest first. */
const RELEASES = ['1.0.0', '1.2.0', '1.9.0', '1.10.0', '2.0.0-rc.1'];

let registry: RegistryProcess;
let client: RegistryClient;
let summary: DemoSummary;
let seedMs: number;

beforeAll(async () => {
  registry = await startLocalRegistry('regql-demo-seed-registry-');
  client = createRegistryClient(registry.url);
  const started = performance.now();
  summary = await seedDemo(client);
  seedMs = performance.now() - started;
});

afterAll(async () => {
  await client?.connection.close();
  await registry?.stop();
});

/** The manifest at `repository:reference`, which must be an image manifest. */
async function image(repository: string, reference: string): Promise<ImageManifest> {
  const manifest: Manifest = await client.manifests.get(repository, reference);
  if (manifest.kind !== 'image')
    throw new Error(`${repository}:${reference} is a ${manifest.kind}`);
  return manifest;
}

describe('seedDemo', () => {
  it('reports every tag it pushed', () => {
    console.log(
      `[demo-seed] ${summary.manifests} manifests, ${summary.blobs} blobs (${summary.bytes} bytes) in ${seedMs.toFixed(0)} ms`,
    );
    expect(summary.tags.map(({ repository, tag }) => `${repository}:${tag}`)).toEqual([
      ...RELEASES.flatMap((v) =>
        v === '1.10.0' ? [`demo/app:${v}`, 'demo/app:latest'] : [`demo/app:${v}`],
      ),
      'demo/multiarch:latest',
      'demo/docker-image:v1',
    ]);
  });

  it('lists the repositories and the demo/app tags, with the referrers tag', async () => {
    expect(await client.catalog.all()).toEqual(['demo/app', 'demo/docker-image', 'demo/multiarch']);
    expect(await client.tags.all('demo/app')).toEqual(
      [...RELEASES, 'latest', summary.referrer.indexTag].sort(),
    );
  });

  it('makes latest and 1.10.0 one digest, and every release its own image', async () => {
    const digests = await Promise.all(
      RELEASES.map(async (tag) => (await client.manifests.head('demo/app', tag)).digest),
    );
    expect(new Set(digests).size).toBe(RELEASES.length);
    const latest = await client.manifests.head('demo/app', 'latest');
    expect(latest.digest).toBe(digests[RELEASES.indexOf('1.10.0')]);
    expect(latest.mediaType).toBe(OCI_MANIFEST);
    for (const { repository, tag, digest } of summary.tags) {
      expect((await client.manifests.head(repository, tag)).digest).toBe(digest);
    }
  });

  it('gives the releases configs created in release order, with labels, ports and history', async () => {
    const configs = await Promise.all(
      RELEASES.map(async (tag) => {
        const manifest = await image('demo/app', tag);
        return client.blobs.config('demo/app', manifest.config.digest);
      }),
    );
    const created = configs.map((config) => Date.parse(config.created ?? ''));
    expect(created.every(Number.isFinite)).toBe(true);
    expect([...created].sort((a, b) => a - b)).toEqual(created);
    expect(new Set(created).size).toBe(RELEASES.length);
    const config = configs[RELEASES.indexOf('1.10.0')]!;
    expect(config).toMatchObject({
      os: 'linux',
      architecture: 'amd64',
      user: '1000:1000',
      workingDir: '/app',
      env: expect.arrayContaining(['NODE_ENV=production', 'APP_VERSION=1.10.0']),
      entrypoint: ['node'],
      cmd: ['/app/server.js'],
      exposedPorts: ['8080/tcp', '9090/tcp'],
      labels: expect.objectContaining({
        'org.opencontainers.image.version': '1.10.0',
        'org.opencontainers.image.title': 'demo-app',
        'org.opencontainers.image.source': expect.any(String),
      }),
    });
    expect(config.diffIds).toHaveLength(2);
    expect(config.history.some((entry) => entry.emptyLayer)).toBe(true);
    expect(layerHistory(config).map((entry) => entry?.createdBy)).toEqual([
      expect.stringContaining('ADD file:'),
      expect.stringContaining('COPY app/ /app/'),
    ]);
  });

  it('builds real gzip tar layers whose diff_ids are the uncompressed digests', async () => {
    const manifest = await image('demo/app', '2.0.0-rc.1');
    const config = await client.blobs.config('demo/app', manifest.config.digest);
    expect(manifest.layers.map((layer) => layer.mediaType)).toEqual([
      OCI_LAYER_GZIP,
      OCI_LAYER_GZIP,
    ]);
    const diffIds = await Promise.all(
      manifest.layers.map(async (layer) => {
        const bytes = await client.blobs.get('demo/app', layer.digest, 1024 * 1024);
        expect(bytes.length).toBe(layer.size);
        return digestOf(gunzipSync(bytes));
      }),
    );
    expect(diffIds).toEqual(config.diffIds);
  });

  it('serves demo/multiarch:latest as an index of linux/amd64 and linux/arm64/v8 images', async () => {
    const index = await client.manifests.get('demo/multiarch', 'latest');
    expect(index.kind).toBe('index');
    expect(index.mediaType).toBe(OCI_INDEX);
    if (index.kind !== 'index') return;
    expect(index.manifests.map((entry) => entry.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    const configs = await Promise.all(
      index.manifests.map(async (entry) => {
        const child = await image('demo/multiarch', entry.digest);
        return client.blobs.config('demo/multiarch', child.config.digest);
      }),
    );
    expect(configs.map(({ architecture, variant }) => ({ architecture, variant }))).toEqual([
      { architecture: 'amd64', variant: undefined },
      { architecture: 'arm64', variant: 'v8' },
    ]);
    expect(configs[0]!.diffIds).not.toEqual(configs[1]!.diffIds);
  });

  it('serves demo/docker-image:v1 with Docker media types throughout', async () => {
    const manifest = await image('demo/docker-image', 'v1');
    expect(manifest.mediaType).toBe(DOCKER_MANIFEST_V2);
    expect(manifest.config.mediaType).toBe(DOCKER_CONFIG);
    expect(manifest.layers.map((layer) => layer.mediaType)).toEqual([DOCKER_LAYER, DOCKER_LAYER]);
    const config = await client.blobs.config('demo/docker-image', manifest.config.digest);
    expect(config.exposedPorts).toEqual(['80/tcp']);
    expect(config.history.filter((entry) => !entry.emptyLayer)).toHaveLength(2);
  });

  it('lists the SBOM through the referrers tag, with 1.10.0 as its subject', async () => {
    const { digest, artifactType, subject, indexTag } = summary.referrer;
    expect(subject).toBe((await client.manifests.head('demo/app', '1.10.0')).digest);
    expect(indexTag).toBe(`sha256-${subject.slice('sha256:'.length)}`);
    const referrers = await client.referrers.list('demo/app', subject);
    expect(referrers.source).toBe('tag');
    expect(referrers.descriptors).toEqual([
      expect.objectContaining({
        mediaType: OCI_MANIFEST,
        digest,
        artifactType,
        annotations: { 'org.opencontainers.image.created': expect.any(String) },
      }),
    ]);
    const sbom = await image('demo/app', digest);
    expect(sbom).toMatchObject({
      artifactType: 'application/spdx+json',
      config: { mediaType: OCI_EMPTY, size: 2 },
      subject: { mediaType: OCI_MANIFEST, digest: subject },
    });
    expect(sbom.layers).toHaveLength(1);
    const spdx = await client.blobs.get('demo/app', sbom.layers[0]!.digest, 1024 * 1024);
    expect(JSON.parse(spdx.toString())).toMatchObject({ spdxVersion: 'SPDX-2.3' });
  });

  it('is readable by skopeo and umoci: demo/app:latest unpacks to the 1.10.0 files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regql-demo-seed-'));
    try {
      const layout = join(dir, 'layout');
      await run('skopeo', [
        '--insecure-policy',
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        `docker://${registry.host}/demo/app:latest`,
        `oci:${layout}:latest`,
      ]);
      // umoci checks every layer against its digest and the config's diff_ids while unpacking.
      await run('umoci', [
        'unpack',
        '--rootless',
        '--image',
        `${layout}:latest`,
        join(dir, 'bundle'),
      ]);
      const version = await readFile(join(dir, 'bundle', 'rootfs', 'app', 'VERSION'), 'utf8');
      expect(version).toBe('1.10.0\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
