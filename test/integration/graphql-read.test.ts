import { randomBytes } from 'node:crypto';
import { parse } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../src/demo/images.js';
import { ContentPusher } from '../../src/demo/seed.js';
import { DOCKER_MANIFEST_V1_SIGNED, DOCKER_MANIFEST_V2 } from '../../src/registry/media-types.js';
import {
  BlobDocument,
  ImageDocument,
  NegotiateDocument,
  NodeDocument,
  ReferrersDocument,
  RegistryStatusDocument,
  RepositoriesDocument,
  RepositoryTagsDocument,
  TagDetailsDocument,
} from '../generated/graphql.js';
import { clientFor, seeded } from '../support/clients.js';
import { gatewayAt, gatewayFor } from '../support/gateway.js';
import { present } from '../support/present.js';
import { startProxy } from '../support/proxy.js';

const { registry, fixtures } = seeded('open');
const gw = gatewayFor('open');
const direct = clientFor('open').client;
afterAll(async () => {
  await gw.close();
  await direct.connection.close();
});

/** The image config blob as plain JSON, read over HTTP without regql's parser. */
async function rawConfig(repository: string, digest: string) {
  const answer = await fetch(`${registry.url}/v2/${repository}/blobs/${digest}`);
  return (await answer.json()) as {
    created: string;
    config: { Labels?: Record<string, string>; Env?: string[] };
    rootfs: { diff_ids: string[] };
  };
}

describe('registry and repositories', () => {
  it('reports the registry', async () => {
    const { data, errors } = await gw.execute(RegistryStatusDocument);
    expect(errors).toBeUndefined();
    expect(data?.registry).toMatchObject({
      url: registry.url,
      reachable: true,
      apiVersion: 'registry/2.0',
      authScheme: 'none',
      rateLimit: null,
    });
  });

  it('reports rate limits from RateLimit headers, and an unreachable registry', async () => {
    const proxy = await startProxy(registry.url, () => ({
      kind: 'respond',
      status: 200,
      headers: {
        'docker-distribution-api-version': 'registry/2.0',
        'ratelimit-limit': '100;w=21600',
        'ratelimit-remaining': '76;w=21600',
      },
      body: '{}',
    }));
    const limited = gatewayAt(proxy.url);
    const { data } = await limited.execute(RegistryStatusDocument);
    expect(data?.registry.rateLimit).toEqual({ limit: 100, remaining: 76, windowSeconds: 21600 });
    await limited.close();
    await proxy.close();
    const down = gatewayAt(proxy.url, { UPSTREAM_RETRIES: '0' });
    const status = await down.execute(RegistryStatusDocument);
    expect(status.errors).toBeUndefined();
    expect(status.data?.registry).toMatchObject({ reachable: false, apiVersion: null });
    await down.close();
  });

  it('pages through the catalog with cursors, in the order the registry lists it', async () => {
    const expected = await direct.catalog.all();
    const names: string[] = [];
    let after: string | null | undefined;
    do {
      const { data, errors } = await gw.execute(RepositoriesDocument, { first: 3, after });
      expect(errors).toBeUndefined();
      const connection = data?.repositories;
      expect(connection?.edges.map((e) => e.node.name)).toEqual(
        connection?.nodes.map((n) => n.name),
      );
      names.push(...(connection?.nodes.map((n) => n.name) ?? []));
      after = connection?.pageInfo.hasNextPage ? connection.pageInfo.endCursor : undefined;
    } while (after);
    // other test files add repositories concurrently: every name seen at the start must be
    // there, in the registry's own order
    for (const name of expected) expect(names).toContain(name);
    const now = await direct.catalog.all();
    expect(names).toEqual(now.filter((name) => names.includes(name)));
  });

  it.each(['fixtures/', 'fixtures', 'fixtures/m', 'fix', 'pub', 'zzz'])(
    'filters the catalog by name prefix %j as the full listing would',
    async (namePrefix) => {
      const all = await direct.catalog.all();
      const { data, errors } = await gw.execute(RepositoriesDocument, { first: 100, namePrefix });
      expect(errors).toBeUndefined();
      expect(present(data?.repositories, 'repositories').nodes.map((n) => n.name)).toEqual(
        all.filter((name) => name.startsWith(namePrefix)),
      );
    },
  );

  it('lists a repository that holds only blobs (no tag list yet) with no tags, not an error', async () => {
    const repository = `blobs-only/r-${randomBytes(4).toString('hex')}`;
    await direct.uploads.upload(repository, randomBytes(64));
    const document = parse(
      `{ repositories(first: 10, namePrefix: "${repository}") { nodes { name tags { totalCount } } } }`,
    );
    const { data, errors } = await gw.execute(document);
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      repositories: { nodes: [{ name: repository, tags: { totalCount: 0 } }] },
    });
  });

  it('answers null for a repository that does not exist, without an error', async () => {
    const { data, errors } = await gw.execute(RepositoryTagsDocument, {
      name: 'no/such-repository',
    });
    expect(errors).toBeUndefined();
    expect(data?.repository).toBeNull();
  });
});

describe('tags', () => {
  const { repository, tags, digest } = fixtures.paged;

  it.each([
    ['NAME_ASC', [...tags].sort()],
    ['NAME_DESC', [...tags].sort().reverse()],
    ['VERSION_ASC', ['1.0.0', '1.2.0', '1.10.0', '2.0.0-rc.1', 'latest']],
    ['VERSION_DESC', ['latest', '2.0.0-rc.1', '1.10.0', '1.2.0', '1.0.0']],
  ] as const)('orders by %s', async (orderBy, expected) => {
    const { data, errors } = await gw.execute(RepositoryTagsDocument, {
      name: repository,
      orderBy,
    });
    expect(errors).toBeUndefined();
    const connection = present(data?.repository?.tags, 'repository.tags');
    expect(connection.edges.map((e) => e.node.name)).toEqual(expected);
    expect(connection.totalCount).toBe(tags.length);
  });

  it('pages with first/after, and each tag has its digest and pull reference', async () => {
    const seen: string[] = [];
    let after: string | null | undefined;
    do {
      const { data } = await gw.execute(RepositoryTagsDocument, {
        name: repository,
        first: 2,
        after,
        orderBy: 'VERSION_ASC',
      });
      const connection = data?.repository?.tags;
      for (const { node } of connection?.edges ?? []) {
        seen.push(node.name);
        expect(node.digest).toBe(digest);
        expect(node.pullReference).toBe(`${registry.host}/${repository}:${node.name}`);
      }
      after = connection?.pageInfo.hasNextPage ? connection.pageInfo.endCursor : undefined;
    } while (after);
    expect(seen).toEqual(['1.0.0', '1.2.0', '1.10.0', '2.0.0-rc.1', 'latest']);
  });

  it('filters by name prefix and by substring', async () => {
    const prefixed = await gw.execute(RepositoryTagsDocument, {
      name: repository,
      filter: { namePrefix: '1.' },
    });
    expect(
      present(prefixed.data?.repository?.tags, 'repository.tags').edges.map((e) => e.node.name),
    ).toEqual(['1.0.0', '1.10.0', '1.2.0']);
    const contains = await gw.execute(RepositoryTagsDocument, {
      name: repository,
      filter: { nameContains: 'rc' },
    });
    expect(present(contains.data?.repository?.tags, 'repository.tags').totalCount).toBe(1);
  });

  it.each(['CREATED_ASC', 'CREATED_DESC'] as const)(
    'orders by the config created time: %s',
    async (orderBy) => {
      const repo = `created/order-${randomBytes(4).toString('hex')}`;
      const pusher = new ContentPusher(direct);
      // tag names deliberately out of time order
      const times = {
        b: '2021-05-01T00:00:00Z',
        c: '2019-01-01T00:00:00Z',
        a: '2023-09-09T12:00:00Z',
      };
      for (const [tag, created] of Object.entries(times)) {
        await pusher.push(repo, buildImage({ created, steps: [{ createdBy: `tag ${tag}` }] }), [
          tag,
        ]);
      }
      const { data, errors } = await gw.execute(RepositoryTagsDocument, { name: repo, orderBy });
      expect(errors).toBeUndefined();
      const oldestFirst = ['c', 'b', 'a'];
      expect(
        present(data?.repository?.tags, 'repository.tags').edges.map((e) => e.node.name),
      ).toEqual(orderBy === 'CREATED_ASC' ? oldestFirst : [...oldestFirst].reverse());
    },
  );

  it('refuses a page size over the limit and a forged cursor, before any upstream call', async () => {
    const mark = gw.log.length;
    const big = await gw.execute(RepositoryTagsDocument, { name: repository, first: 5000 });
    expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const forged = await gw.execute(RepositoryTagsDocument, { name: repository, after: 'bm9wZQ' });
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(gw.log.slice(mark).filter((e) => e.path.includes('/manifests/'))).toEqual([]);
  });
});

describe('manifests, configs and layers', () => {
  it('reads a Docker v2 image as skopeo and the raw config report it', async () => {
    const f = fixtures.dockerImage;
    const { data, errors } = await gw.execute(TagDetailsDocument, {
      repository: f.repository,
      tag: f.tag,
    });
    expect(errors).toBeUndefined();
    const tag = data?.repository?.tag;
    expect(tag?.digest).toBe(f.digest);
    const manifest = tag?.manifest;
    if (manifest?.__typename !== 'ImageManifest') throw new Error(`got ${manifest?.__typename}`);
    expect(manifest.mediaType).toBe(DOCKER_MANIFEST_V2);
    const imageConfig = present(manifest.config, 'manifest.config');
    expect(imageConfig.digest).toBe(f.configDigest);
    expect(manifest.layers.map((l) => l.digest)).toEqual(f.layerDigests);
    const raw = JSON.parse(
      (await direct.manifests.negotiate(f.repository, f.tag, [DOCKER_MANIFEST_V2])).body ?? '',
    ) as { config: { size: number }; layers: { size: number }[] };
    expect(manifest.totalSize).toBe(raw.layers.reduce((s, l) => s + l.size, raw.config.size));
    expect(manifest.size).toBe((await direct.manifests.head(f.repository, f.tag)).size);
    const config = await rawConfig(f.repository, f.configDigest);
    expect(imageConfig.raw).toEqual(config);
    expect(imageConfig.created).toBe(config.created);
    expect(imageConfig.env).toEqual(config.config.Env);
    expect(imageConfig.labels).toEqual(
      Object.entries(config.config.Labels ?? {}).map(([key, value]) => ({ key, value })),
    );
    expect(manifest.layers.map((l) => l.diffId)).toEqual(config.rootfs.diff_ids);
    const made = imageConfig.history.filter((h) => !h.emptyLayer).map((h) => h.createdBy);
    expect(manifest.layers.map((l) => l.createdBy)).toEqual(made);
    expect(imageConfig.history.some((h) => h.emptyLayer)).toBe(true);
  });

  it('reads a multi-arch index with the platforms skopeo saw, and picks one', async () => {
    const f = fixtures.multiArch;
    const { data } = await gw.execute(TagDetailsDocument, { repository: f.repository, tag: f.tag });
    const index = data?.repository?.tag?.manifest;
    if (index?.__typename !== 'ImageIndex') throw new Error(`got ${index?.__typename}`);
    expect(index.digest).toBe(f.digest);
    for (const p of f.platforms) {
      expect(index.manifests).toContainEqual(
        expect.objectContaining({
          digest: p.digest,
          platform: { os: p.os, architecture: p.architecture, variant: p.variant ?? null },
          manifest: { digest: p.digest },
        }),
      );
    }
    const amd64 = f.platforms.find((p) => p.architecture === 'amd64');
    expect(index.amd64?.digest).toBe(amd64?.digest);
  });

  it('lists every tag that points at a digest', async () => {
    const f = fixtures.shared;
    const { data } = await gw.execute(TagDetailsDocument, {
      repository: f.repository,
      tag: f.tags[0] ?? '',
    });
    expect(
      present(data?.repository?.tag?.manifest?.tags, 'manifest.tags')
        .map((t) => t.name)
        .sort(),
    ).toEqual([...f.tags].sort());
  });

  it('finds referrers through the referrers tag schema, filtered by artifactType', async () => {
    const f = fixtures.referrer;
    const all = await gw.execute(ReferrersDocument, {
      repository: f.repository,
      reference: f.subjectDigest,
    });
    expect(all.errors).toBeUndefined();
    expect(all.data?.repository?.manifest?.referrers).toContainEqual(
      expect.objectContaining({
        digest: f.artifactDigest,
        artifactType: f.artifactType,
        manifest: { digest: f.artifactDigest },
      }),
    );
    const none = await gw.execute(ReferrersDocument, {
      repository: f.repository,
      reference: f.subjectDigest,
      artifactType: 'application/x-none',
    });
    expect(none.data?.repository?.manifest?.referrers).toEqual([]);
  });

  it('reads images by docker-style reference', async () => {
    const f = fixtures.ociImage;
    for (const reference of [
      `${f.repository}:${f.tag}`,
      `${f.repository}@${f.digest}`,
      `${registry.host}/${f.repository}:${f.tag}`,
    ]) {
      const { data, errors } = await gw.execute(ImageDocument, { reference });
      expect(errors).toBeUndefined();
      expect(data?.image?.digest).toBe(f.digest);
    }
    const missing = await gw.execute(ImageDocument, { reference: `${f.repository}:no-such-tag` });
    expect(missing).toEqual({ data: { image: null } });
    const elsewhere = await gw.execute(ImageDocument, { reference: `docker.io/${f.repository}:1` });
    expect(elsewhere.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('shows content negotiation as the registry answers it', async () => {
    const f = fixtures.dockerImage;
    const bare = await gw.execute(NegotiateDocument, {
      repository: f.repository,
      reference: f.tag,
    });
    expect(bare.data?.manifestNegotiation).toMatchObject({
      status: 200,
      mediaType: DOCKER_MANIFEST_V1_SIGNED,
    });
    expect(bare.data?.manifestNegotiation.digest).not.toBe(f.digest);
    const v2 = await gw.execute(NegotiateDocument, {
      repository: f.repository,
      reference: f.tag,
      accept: [DOCKER_MANIFEST_V2],
    });
    expect(v2.data?.manifestNegotiation).toMatchObject({
      status: 200,
      digest: f.digest,
      accept: [DOCKER_MANIFEST_V2],
    });
  });

  it('reads blobs; null for one that does not exist', async () => {
    const f = fixtures.dockerImage;
    const head = await direct.blobs.head(f.repository, f.configDigest);
    const { data } = await gw.execute(BlobDocument, {
      repository: f.repository,
      digest: f.configDigest,
    });
    expect(data?.repository?.blob).toMatchObject({ digest: f.configDigest, size: head.size });
    const missing = await gw.execute(BlobDocument, {
      repository: f.repository,
      digest: `sha256:${'0'.repeat(64)}`,
    });
    expect(missing).toEqual({ data: { repository: { blob: null } } });
  });
});

describe('global ids', () => {
  it('round-trips Repository and Tag ids through Query.node', async () => {
    const f = fixtures.paged;
    const { data } = await gw.execute(RepositoryTagsDocument, { name: f.repository, first: 1 });
    const repoId = data?.repository?.id ?? '';
    const tagId = present(data?.repository?.tags, 'repository.tags').edges[0]?.node.id ?? '';
    const repo = await gw.execute(NodeDocument, { id: repoId });
    expect(repo.data?.node).toEqual({ __typename: 'Repository', id: repoId, name: f.repository });
    const tag = await gw.execute(NodeDocument, { id: tagId });
    expect(tag.data?.node).toMatchObject({
      __typename: 'Tag',
      id: tagId,
      repository: { name: f.repository },
    });
  });

  it('refuses a malformed id, and answers null for a well-formed id of nothing', async () => {
    const bad = await gw.execute(NodeDocument, { id: '!!' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const gone = await gw.execute(NodeDocument, {
      id: Buffer.from('Tag:fixtures/paged:no-such-tag').toString('base64url'),
    });
    expect(gone).toEqual({ data: { node: null } });
  });
});

describe('errors', () => {
  it('answers a missing object as null beside its siblings', async () => {
    const document = parse(`{
      good: repository(name: "${fixtures.ociImage.repository}") { tag(name: "${fixtures.ociImage.tag}") { digest } }
      missing: repository(name: "${fixtures.ociImage.repository}") { tag(name: "nope") { digest } }
      absent: repository(name: "no/such-repository") { name }
    }`);
    const result = await gw.execute(document);
    expect(result).toEqual({
      data: {
        good: { tag: { digest: fixtures.ociImage.digest } },
        missing: { tag: null },
        absent: null,
      },
    });
  });

  it('refuses a bad argument anywhere in the operation before any upstream call', async () => {
    const document = parse(`{
      good: repository(name: "${fixtures.ociImage.repository}") { tag(name: "${fixtures.ociImage.tag}") { digest } }
      bad: repository(name: "Not/Valid") { name }
    }`);
    const mark = gw.log.length;
    const result = await gw.execute(document);
    expect(result.data).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(result.errors?.[0]?.message).toContain('Not/Valid');
    expect(gw.log.slice(mark)).toEqual([]);
  });

  it('carries the registry code, and the digest scalar refuses bad digests', async () => {
    const unknown = parse(
      `{ repository(name: "${fixtures.ociImage.repository}") { tag(name: "1.0") { manifest { digest } } } }`,
    );
    expect((await gw.execute(unknown)).errors).toBeUndefined();
    const badDigest = await gw.execute(BlobDocument, { repository: 'a', digest: 'sha256:XYZ' });
    expect(badDigest.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('authenticated registries', () => {
  it.each(['basic', 'token'] as const)(
    'reads through %s auth with the service account',
    async (flavour) => {
      const { registry: reg, fixtures: fx } = seeded(flavour);
      const authed = gatewayFor(flavour, {
        REGISTRY_USERNAME: 'alice',
        REGISTRY_PASSWORD: reg.users.alice ?? '',
      });
      const f = fx.ociImage;
      const { data, errors } = await authed.execute(TagDetailsDocument, {
        repository: f.repository,
        tag: f.tag,
      });
      expect(errors).toBeUndefined();
      expect(data?.repository?.tag?.digest).toBe(f.digest);
      const status = await authed.execute(RegistryStatusDocument);
      expect(status.data?.registry.authScheme).toBe(flavour === 'basic' ? 'basic' : 'bearer');
      await authed.close();
    },
  );

  it('says UNAUTHORIZED with the registry code when no credentials are configured', async () => {
    const anonymous = gatewayFor('basic');
    const f = seeded('basic').fixtures.ociImage;
    const { data, errors } = await anonymous.execute(TagDetailsDocument, {
      repository: f.repository,
      tag: f.tag,
    });
    expect(data?.repository).toBeNull();
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHORIZED' });
    await anonymous.close();
  });
});
