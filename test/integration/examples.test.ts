// The typed client in examples/ (graphql-request and the documents codegen made from
// examples/operations/) against a listening regql in front of the seeded open registry.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageReport, tagTable } from '../../examples/portal.js';
import { loadConfig } from '../../src/config.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { seeded } from '../support/clients.js';

const { registry, fixtures } = seeded('open');
let server: RunningServer;
let endpoint: string;
beforeAll(async () => {
  server = await startServer(loadConfig({ REGISTRY_URL: registry.url, PORT: '0' }));
  endpoint = `${server.url}/graphql`;
});
afterAll(() => server.close());

/** The first 12 hex digits of a digest, as the example prints them. */
const short = (digest: string) => digest.slice('sha256:'.length, 'sha256:'.length + 12);

/** The cells of each line of a printed table (columns are two or more spaces apart). */
const rows = (text: string) => text.split('\n').map((line) => line.trim().split(/\s{2,}/));

/** A printed size: `555 B`, `1.2 kB`. */
const SIZE = expect.stringMatching(/^\d+(\.\d)? k?B$/);

/** The `created` time of an image config, read from the registry without regql, as printed. */
async function created(repository: string, configDigest: string): Promise<string> {
  const answer = await fetch(`${registry.url}/v2/${repository}/blobs/${configDigest}`);
  const { created } = (await answer.json()) as { created: string };
  return new Date(created).toISOString().slice(0, 16).replace('T', ' ');
}

describe('examples/portal.ts', () => {
  it('prints a tag table with platform, size, created date and digest of each tag', async () => {
    const { paged, dockerImage } = fixtures;
    const table = await tagTable(endpoint, paged.repository);
    expect(table).toContain(`${paged.repository}: ${paged.tags.length} tags`);
    const pagedRows = rows(table);
    for (const tag of paged.tags) {
      expect(pagedRows).toContainEqual([
        tag,
        'linux/amd64',
        SIZE,
        expect.any(String),
        short(paged.digest),
      ]);
    }

    const docker = rows(await tagTable(endpoint, dockerImage.repository));
    const date = await created(dockerImage.repository, dockerImage.configDigest);
    expect(docker).toContainEqual([
      dockerImage.tag,
      'linux/amd64',
      SIZE,
      date,
      short(dockerImage.digest),
    ]);
  });

  it('gives a multi-arch tag one row per platform', async () => {
    const { multiArch } = fixtures;
    const table = rows(await tagTable(endpoint, multiArch.repository));
    for (const p of multiArch.platforms) {
      const platform = [p.os, p.architecture, p.variant].filter(Boolean).join('/');
      expect(table).toContainEqual([
        multiArch.tag,
        platform,
        SIZE,
        expect.any(String),
        short(p.digest),
      ]);
    }
  });

  it('reports an image with its layers and referrers', async () => {
    const { ociImage, referrer } = fixtures;
    const report = await imageReport(endpoint, `${ociImage.repository}:${ociImage.tag}`);
    const lines = rows(report);
    expect(lines[0]).toEqual([`${ociImage.repository}:${ociImage.tag}`, ociImage.digest]);
    expect(report).toContain(`type     ${ociImage.mediaType}`);
    for (const layer of ociImage.layerDigests) {
      expect(lines).toContainEqual([short(layer), SIZE, expect.any(String)]);
    }
    expect(lines).toContainEqual([referrer.artifactType, referrer.artifactDigest]);
  });

  it('picks the image of the wanted platform from a multi-arch index', async () => {
    const { multiArch } = fixtures;
    const arm = multiArch.platforms.find((p) => p.architecture === 'arm64');
    const wanted = { os: 'linux', architecture: 'arm64', variant: 'v8' };
    const report = await imageReport(endpoint, `${multiArch.repository}:${multiArch.tag}`, wanted);
    const lines = rows(report);
    expect(lines).toContainEqual(['*', 'linux/arm64/v8', arm?.digest]);
    expect(lines).toContainEqual([
      'linux/amd64',
      multiArch.platforms.find((p) => p !== arm)?.digest,
    ]);
    expect(report).toContain(`for linux/arm64/v8: ${arm?.digest} (`);
  });

  it('says which repository or image does not exist', async () => {
    await expect(tagTable(endpoint, 'fixtures/none')).rejects.toThrow(
      'no repository fixtures/none',
    );
    await expect(imageReport(endpoint, 'fixtures/none:1')).rejects.toThrow(
      'no image fixtures/none:1',
    );
  });

  it('runs as a command', async () => {
    const { dockerImage } = fixtures;
    const reference = `${dockerImage.repository}:${dockerImage.tag}`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      'examples/portal.ts',
      reference,
      endpoint,
    ]);
    const lines = rows(stdout);
    expect(lines[0]).toEqual([reference, dockerImage.digest]);
    for (const layer of dockerImage.layerDigests) {
      expect(lines).toContainEqual([short(layer), SIZE, expect.any(String)]);
    }
  });
});
