// One broken object never costs its siblings, and bad input anywhere in an operation costs
// nothing upstream: against a real registry whose storage loses a config blob and a manifest,
// counted in the registry's own access log.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegistryLog, startBenchRegistry } from '../../bench/registry-log.js';
import type { LocalRegistry } from '../../src/demo/registry-process.js';
import { OCI_INDEX } from '../../src/registry/media-types.js';
import { RepositoryFanOutDocument } from '../generated/graphql.js';
import { pushImage } from '../harness/fixtures.js';
import type { ImageFixture, RegistryInfo } from '../harness/types.js';
import { freePort } from '../support/child-process.js';
import { gatewayAt, type TestGateway } from '../support/gateway.js';

/** The repository whose images break. */
const REPO = 'partial/app';
/** A repository with a multi-arch index over two images, one of which breaks. */
const MULTI = 'partial/multi';
/** A repository that holds one blob and no tag, as after a first upload. */
const BLOBS_ONLY = 'partial/files';

let registry: LocalRegistry;
let log: RegistryLog;
let gw: TestGateway;
const images = {} as Record<'a' | 'b' | 'noConfig' | 'noManifest' | 'amd' | 'arm', ImageFixture>;

/** Where registry 2.8's filesystem storage keeps the data of a blob (manifests are blobs too). */
function blobData(digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(registry.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
}

beforeAll(async () => {
  ({ registry, log } = await startBenchRegistry('regql-partial-'));
  const info: RegistryInfo = { flavour: 'open', users: {}, ...registry };
  [images.a, images.b, images.noConfig, images.noManifest, images.amd, images.arm] =
    await Promise.all([
      pushImage(info, REPO, 'a'),
      pushImage(info, REPO, 'b'),
      pushImage(info, REPO, 'no-config'),
      pushImage(info, REPO, 'no-manifest'),
      pushImage(info, MULTI, 'amd'),
      pushImage(info, MULTI, 'arm'),
    ]);
  await putIndex(MULTI, 'multi', [images.amd, images.arm]);
  // a garbage-collected or half-pushed image: the tag is listed, its content is gone
  await rm(blobData(images.noConfig.configDigest));
  await rm(blobData(images.noManifest.digest));
  await rm(blobData(images.arm.digest));
  await uploadBlob(BLOBS_ONLY, Buffer.from('a blob and no tag'));
  gw = gatewayAt(registry.url);
});

/** Puts an OCI index of `members` (the first amd64, the second arm64) as `repository:tag`. */
async function putIndex(repository: string, tag: string, members: ImageFixture[]): Promise<void> {
  const sizes = await Promise.all(
    members.map(async (image) => {
      const url = `${registry.url}/v2/${repository}/manifests/${image.digest}`;
      const head = await fetch(url, { method: 'HEAD', headers: { accept: image.mediaType } });
      return Number(head.headers.get('content-length'));
    }),
  );
  const manifests = members.map((image, i) => ({
    mediaType: image.mediaType,
    digest: image.digest,
    size: sizes[i],
    platform: { os: 'linux', architecture: ['amd64', 'arm64'][i] },
  }));
  const put = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': OCI_INDEX },
    body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }),
  });
  expect(put.status).toBe(201);
}

/** Uploads a blob the way the V2 API allows without a client: POST, then PUT with its digest. */
async function uploadBlob(repository: string, bytes: Buffer): Promise<void> {
  const started = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
  });
  expect(started.status).toBe(202);
  const location = new URL(started.headers.get('location') ?? '', registry.url);
  location.searchParams.set('digest', `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  const done = await fetch(location, { method: 'PUT', body: new Uint8Array(bytes) });
  expect(done.status).toBe(201);
}
afterAll(async () => {
  await gw?.close();
  await registry?.stop();
});

/** The answer's errors as `path: code`. */
const errorsOf = (answer: ExecutionResult) =>
  (answer.errors ?? []).map((e) => `${e.path?.join('.')}: ${e.extensions?.code}`);

describe('a repository with broken images', () => {
  it('answers every other tag whole, and each broken one with one error at its own path', async () => {
    const answer = await gw.execute(RepositoryFanOutDocument, { name: REPO });
    const tags = answer.data?.repository?.tags;
    expect(tags?.totalCount).toBe(4);
    const names = tags?.nodes.map((tag) => tag.name);
    expect(names).toEqual(['a', 'b', 'no-config', 'no-manifest']);
    const at = (name: string) => `repository.tags.nodes.${names?.indexOf(name)}`;
    expect(errorsOf(answer).sort()).toEqual([
      `${at('no-config')}.manifest.config: NOT_FOUND`,
      `${at('no-manifest')}.manifest: NOT_FOUND`,
    ]);
    for (const name of ['a', 'b'] as const) {
      const tag = tags?.nodes[names?.indexOf(name) ?? -1];
      const manifest = tag?.manifest;
      expect(tag?.digest).toBe(images[name].digest);
      if (manifest?.__typename !== 'ImageManifest') throw new Error(`${name}: no image manifest`);
      expect(manifest.config?.created).toEqual(expect.any(String));
      expect(manifest.platform).toEqual({ os: 'linux', architecture: 'amd64' });
      expect(manifest.tags).toEqual([{ name }]);
      expect(manifest.layers.map((layer) => layer.diffId)).toEqual([expect.any(String)]);
    }
    const noConfig = tags?.nodes[names?.indexOf('no-config') ?? -1];
    expect(noConfig?.digest).toBe(images.noConfig.digest);
    // what needs only the manifest is there; what needs the config is null, with one error
    expect(noConfig?.manifest).toMatchObject({
      __typename: 'ImageManifest',
      digest: images.noConfig.digest,
      config: null,
      platform: null,
      layers: [{ digest: images.noConfig.layerDigests[0], diffId: null, createdBy: null }],
    });
    const noManifest = tags?.nodes[names?.indexOf('no-manifest') ?? -1];
    expect(noManifest).toEqual({ name: 'no-manifest', digest: null, manifest: null });
  });

  it('sorts a broken image by created time as one of unknown time, and keeps the page', async () => {
    const answer = await gw.gateway.yoga.fetch('http://regql.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{ repository(name: "${REPO}") { tags(orderBy: CREATED_DESC) {
          nodes { name manifest { ... on ImageManifest { config { created } } } } } } }`,
      }),
    });
    const body = (await answer.json()) as ExecutionResult<{
      repository: { tags: { nodes: { name: string }[] } };
    }>;
    const names = body.data?.repository.tags.nodes.map((tag) => tag.name);
    expect(names).toHaveLength(4);
    expect(names?.slice(0, 2).sort()).toEqual(['a', 'b']);
    expect(errorsOf(body)).toHaveLength(2);
  });
});

describe('a multi-arch index whose arm64 image is gone', () => {
  it('answers the index and its amd64 image, and one error at the broken entry', async () => {
    const answer = await gw.execute(RepositoryFanOutDocument, { name: MULTI });
    const nodes = answer.data?.repository?.tags?.nodes ?? [];
    const names = nodes.map((tag) => tag.name);
    expect(names).toEqual(['amd', 'arm', 'multi']);
    const multi = nodes[2]?.manifest;
    if (multi?.__typename !== 'ImageIndex') throw new Error('multi: no index');
    expect(multi.manifests.map((entry) => entry.manifest?.digest ?? null)).toEqual([
      images.amd.digest,
      null,
    ]);
    expect(errorsOf(answer).sort()).toEqual([
      'repository.tags.nodes.1.manifest: NOT_FOUND',
      'repository.tags.nodes.2.manifest.manifests.1.manifest: NOT_FOUND',
    ]);
  });

  it('answers forPlatform of the broken entry as null with an error', async () => {
    const { answer } = await counted(`{ image(reference: "${MULTI}:multi") {
      ... on ImageIndex { forPlatform(os: "linux", architecture: "arm64") { digest } } } }`);
    expect(answer.data).toEqual({ image: { forPlatform: null } });
    expect(errorsOf(answer)).toEqual(['image.forPlatform: NOT_FOUND']);
  });
});

describe('a registry that is down', () => {
  it('still answers registry { reachable }, and the catalog as null with UPSTREAM_ERROR', async () => {
    const down = gatewayAt(`http://127.0.0.1:${await freePort()}`, { UPSTREAM_RETRIES: '0' });
    try {
      const response = await down.gateway.yoga.fetch('http://regql.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: '{ registry { reachable authScheme } repositories { nodes { name } } }',
        }),
      });
      const answer = (await response.json()) as ExecutionResult;
      expect(answer.data).toEqual({
        registry: { reachable: false, authScheme: 'none' },
        repositories: null,
      });
      expect(errorsOf(answer)).toEqual(['repositories: UPSTREAM_ERROR']);
    } finally {
      await down.close();
    }
  });
});

/** What a query answered, and how many requests reached the registry while it ran. */
async function counted(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ answer: ExecutionResult; requests: number }> {
  const mark = await log.mark();
  const response = await gw.gateway.yoga.fetch('http://regql.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as ExecutionResult;
  return { answer, requests: (await log.since(mark)).length };
}

describe('bad input nested anywhere in an operation', () => {
  it.each([
    ['a tag starting with a dash', `tag(name: "-bad") { name }`],
    ['a tag of 129 characters', `tag(name: "${'x'.repeat(129)}") { name }`],
    ['a short digest', `manifest(reference: "sha256:${'a'.repeat(12)}") { digest }`],
    ['a negative page size', 'tags(first: -1) { totalCount }'],
    [
      'a forged cursor',
      `tags(after: "${Buffer.from('c:../x').toString('base64url')}") { totalCount }`,
    ],
    ['a header injection', 'tag(name: "1.0\\r\\nX-Injected: 1") { name }'],
  ])('refuses %s with BAD_USER_INPUT, and the registry sees no request', async (_what, field) => {
    const { answer, requests } = await counted(
      `{ registry { reachable } repository(name: "${REPO}") { name ${field} } }`,
    );
    expect(answer.data).toBeUndefined();
    expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors?.[0]?.locations).toHaveLength(1);
    expect(requests).toBe(0);
  });

  it('refuses one inside a fragment spread twice, at any depth, and skips a skipped one', async () => {
    const fragment = `fragment Deep on Repository { tags(first: 1) { nodes { manifest {
      ... on ImageIndex { forPlatform(os: "linux", architecture: "not/arch") { digest } } } } } }`;
    const twice = await counted(
      `{ one: repository(name: "${REPO}") { ...Deep } two: repository(name: "${REPO}") { ...Deep } } ${fragment}`,
    );
    expect(twice.answer.errors?.[0]?.message).toContain('architecture');
    expect(twice.requests).toBe(0);
    const skipped = await counted(
      `{ repository(name: "${REPO}") { name tag(name: "-bad") @skip(if: true) { name } } }`,
    );
    expect(skipped.answer.errors).toBeUndefined();
    expect(skipped.answer.data).toEqual({ repository: { name: REPO } });
  });

  it('checks variables too', async () => {
    const { answer, requests } = await counted(
      'query($t: String!) { repository(name: "partial/app") { tag(name: $t) { name } } }',
      { t: '../x' },
    );
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.message).toContain('../x');
    expect(requests).toBe(0);
  });
});

describe('which repositories exist', () => {
  const id = (name: string) => Buffer.from(`Repository:${name}`).toString('base64url');

  it('agree between the catalog, repository(name:) and node(id:), for one holding only blobs', async () => {
    const { answer } = await counted(`{
      repositories(namePrefix: "partial/") { nodes { name } pageInfo { hasPreviousPage startCursor } }
      files: repository(name: "${BLOBS_ONLY}") { name tags { totalCount nodes { name } } }
      node(id: "${id(BLOBS_ONLY)}") { id ... on Repository { name } }
      none: repository(name: "partial/none") { name }
      noNode: node(id: "${id('partial/none')}") { id }
    }`);
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({
      repositories: {
        nodes: [{ name: REPO }, { name: BLOBS_ONLY }, { name: MULTI }],
        pageInfo: { hasPreviousPage: false, startCursor: expect.any(String) },
      },
      files: { name: BLOBS_ONLY, tags: { totalCount: 0, nodes: [] } },
      node: { id: id(BLOBS_ONLY), name: BLOBS_ONLY },
      none: null,
      noNode: null,
    });
  });

  it('costs no request of its own when the fields below it read the repository anyway', async () => {
    const digest = images.a.digest;
    const query = `{ repository(name: "${REPO}") { manifest(reference: "${digest}") { digest } } }`;
    await counted(query); // the manifest, addressed by digest, is kept across requests
    const { answer, requests } = await counted(query);
    expect(answer.data).toEqual({ repository: { manifest: { digest } } });
    expect(requests).toBe(0);
    // nothing below reads it: one tag-list page of one name says it exists
    expect((await counted(`{ repository(name: "${REPO}") { name } }`)).requests).toBe(1);
  });
});
