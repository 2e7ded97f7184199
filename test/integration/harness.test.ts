import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { authorization, basicAuth, requestToken, tokenStats } from '../harness/auth.js';
import { pushImage, skopeoCopyToDir, skopeoDigest } from '../harness/fixtures.js';
import type { RegistryFlavour, RegistryInfo } from '../harness/types.js';

const harness = inject('harness');

/** Every manifest kind a modern client accepts (without it registry 2.8 downgrades to schema 1). */
const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** `sha256:<hex>` of some bytes. */
function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The `key="value"` parameters of a WWW-Authenticate challenge. */
function challengeParams(header: string | null): Record<string, string> {
  return Object.fromEntries(
    [...(header ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
  );
}

/** GETs a registry path (or absolute URL) as alice, authorised for `scopes`. */
async function registryGet(
  registry: RegistryInfo,
  path: string,
  scopes: string[],
  headers: Record<string, string> = {},
): Promise<Response> {
  const auth = await authorization(registry, scopes);
  return fetch(new URL(path, registry.url), { headers: { ...headers, ...auth } });
}

/** GETs a manifest as alice with the full Accept list; returns status, headers and bytes. */
async function getManifest(registry: RegistryInfo, repository: string, reference: string) {
  const response = await registryGet(
    registry,
    `/v2/${repository}/manifests/${reference}`,
    [`repository:${repository}:pull`],
    { accept: MANIFEST_ACCEPT },
  );
  const body = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    digestHeader: response.headers.get('docker-content-digest'),
    contentType: response.headers.get('content-type'),
    body,
    json: () => JSON.parse(body.toString()),
  };
}

describe('open registry', () => {
  it('answers /v2/ with 200 and no credentials', async () => {
    const response = await fetch(`${harness.open.registry.url}/v2/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });
});

describe('basic registry', () => {
  const { registry } = harness.basic;

  it('challenges with Basic, refuses a wrong password and accepts alice', async () => {
    const anonymous = await fetch(`${registry.url}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="/);
    const wrong = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: basicAuth('alice', 'nope') },
    });
    expect(wrong.status).toBe(401);
    const alice = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: basicAuth('alice', 'alice-secret') },
    });
    expect(alice.status).toBe(200);
  });
});

describe('token registry', () => {
  const { registry } = harness.token;

  it('challenges with Bearer at the issuer and accepts the token the issuer signs', async () => {
    const challenge = await fetch(`${registry.url}/v2/`);
    expect(challenge.status).toBe(401);
    const header = challenge.headers.get('www-authenticate');
    expect(header).toMatch(/^Bearer /);
    const params = challengeParams(header);
    expect(params.realm).toBe(registry.tokenRealm);
    expect(params.service).toBe(registry.service);

    const url = `${params.realm}?service=${encodeURIComponent(params.service ?? '')}`;
    const issued = await fetch(url, {
      headers: { authorization: basicAuth('alice', 'alice-secret') },
    });
    expect(issued.status).toBe(200);
    const body = (await issued.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token: expect.any(String), expires_in: 300 });
    expect(body.access_token).toBe(body.token);
    expect(Number.isNaN(Date.parse(String(body.issued_at)))).toBe(false);

    const token = String(body.token);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', x5c: [expect.any(String)] });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: 'regql-test-issuer',
      sub: 'alice',
      aud: registry.service,
      access: [],
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(300);
    expect(claims.jti).toEqual(expect.any(String));

    const ok = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ok.status).toBe(200);
  });

  it('refuses a wrong password at the issuer and counts requests', async () => {
    const before = await tokenStats(registry);
    const refused = await fetch(`${registry.tokenRealm}?service=${registry.service}`, {
      headers: { authorization: basicAuth('alice', 'wrong') },
    });
    expect(refused.status).toBe(401);
    await requestToken(registry, [], 'bob');
    const after = await tokenStats(registry);
    expect(after.requests).toBeGreaterThanOrEqual(before.requests + 2);
    expect(after.refused).toBeGreaterThanOrEqual(before.refused + 1);
    expect(after.issuedTo.bob ?? 0).toBeGreaterThanOrEqual((before.issuedTo.bob ?? 0) + 1);
  });

  it('grants scopes from several params and space-separated ones, per the ACL', async () => {
    const scopes = [
      'repository:public/hello:pull repository:fixtures/oci-image:pull,push',
      'registry:catalog:*',
      'repository:bob/app:pull,push,delete',
    ];
    expect(decodeJwt(await requestToken(registry, scopes, 'alice')).access).toEqual([
      { type: 'repository', name: 'public/hello', actions: ['pull'] },
      { type: 'repository', name: 'fixtures/oci-image', actions: ['pull', 'push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
      { type: 'repository', name: 'bob/app', actions: ['pull', 'push', 'delete'] },
    ]);
    expect(decodeJwt(await requestToken(registry, scopes, 'bob')).access).toEqual([
      { type: 'repository', name: 'public/hello', actions: ['pull'] },
      { type: 'repository', name: 'bob/app', actions: ['pull', 'push', 'delete'] },
    ]);
    expect(decodeJwt(await requestToken(registry, scopes)).access).toEqual([
      { type: 'repository', name: 'public/hello', actions: ['pull'] },
    ]);
  });

  it('lets alice read the catalog with a catalog token', async () => {
    const response = await registryGet(registry, '/v2/_catalog', ['registry:catalog:*']);
    expect(response.status).toBe(200);
    const { repositories } = (await response.json()) as { repositories: string[] };
    expect(repositories).toEqual(expect.arrayContaining(['fixtures/oci-image', 'public/hello']));
  });

  it('denies bob the fixtures but lets bob and anonymous pull public/hello', async () => {
    const pull = async (repository: string, username?: string) => {
      const token = await requestToken(registry, [`repository:${repository}:pull`], username);
      const response = await fetch(`${registry.url}/v2/${repository}/manifests/latest`, {
        headers: { authorization: `Bearer ${token}`, accept: MANIFEST_ACCEPT },
      });
      await response.body?.cancel();
      return response.status;
    };
    expect([401, 403]).toContain(await pull('fixtures/multiarch', 'bob'));
    expect(await pull('public/hello', 'bob')).toBe(200);
    expect(await pull('public/hello')).toBe(200);
    expect(await pull('fixtures/multiarch', 'alice')).toBe(200);
  });

  it('rejects a token whose claims were changed after signing', async () => {
    const token = await requestToken(registry, ['registry:catalog:*'], 'bob');
    const [header, , signature] = token.split('.');
    const forged = {
      ...decodeJwt(token),
      access: [{ type: 'registry', name: 'catalog', actions: ['*'] }],
    };
    const payload = Buffer.from(JSON.stringify(forged)).toString('base64url');
    for (const bearer of [token, `${header}.${payload}.${signature}`]) {
      const response = await fetch(`${registry.url}/v2/_catalog`, {
        headers: { authorization: `Bearer ${bearer}` },
      });
      expect(response.status).toBe(401);
    }
  });
});

describe.each<RegistryFlavour>(['open', 'basic', 'token'])('%s registry fixtures', (flavour) => {
  const { registry, fixtures } = harness[flavour];

  it('serves each image manifest at the digest skopeo reported', async () => {
    for (const image of [fixtures.dockerImage, fixtures.ociImage, fixtures.publicImage]) {
      const manifest = await getManifest(registry, image.repository, image.tag);
      expect(manifest.status).toBe(200);
      expect(manifest.digestHeader).toBe(image.digest);
      expect(sha256(manifest.body)).toBe(image.digest);
      expect(manifest.contentType).toBe(image.mediaType);
      const { config, layers } = manifest.json() as {
        config: { digest: string };
        layers: { digest: string }[];
      };
      expect(config.digest).toBe(image.configDigest);
      expect(layers.map((layer) => layer.digest)).toEqual(image.layerDigests);
    }
    expect(fixtures.dockerImage.mediaType).toBe(
      'application/vnd.docker.distribution.manifest.v2+json',
    );
    expect(fixtures.dockerImage.layerDigests.length).toBeGreaterThanOrEqual(2);
    expect(fixtures.ociImage.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  });

  it('gives the Docker image a config with env, labels, entrypoint, cmd, ports and an empty layer', async () => {
    const { repository, configDigest } = fixtures.dockerImage;
    const response = await registryGet(registry, `/v2/${repository}/blobs/${configDigest}`, [
      `repository:${repository}:pull`,
    ]);
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(sha256(bytes)).toBe(configDigest);
    const config = JSON.parse(Buffer.from(bytes).toString());
    expect(config.config).toMatchObject({
      Env: expect.arrayContaining(['APP_MODE=test']),
      Labels: { 'org.example.team': 'regql', 'org.example.tier': 'fixture' },
      Entrypoint: ['/app/run.sh'],
      Cmd: ['--verbose'],
      ExposedPorts: { '8080/tcp': {}, '9090/udp': {} },
    });
    expect(config.history).toContainEqual(expect.objectContaining({ empty_layer: true }));
  });

  it('keeps the OCI image annotations', async () => {
    const manifest = await getManifest(
      registry,
      fixtures.ociImage.repository,
      fixtures.ociImage.tag,
    );
    expect(manifest.json().annotations).toMatchObject({
      'org.opencontainers.image.title': 'regql oci fixture',
    });
  });

  it('serves a multi-arch index of linux/amd64 and linux/arm64/v8', async () => {
    const { repository, tag, digest, platforms } = fixtures.multiArch;
    const index = await getManifest(registry, repository, tag);
    expect(index.digestHeader).toBe(digest);
    expect(index.contentType).toBe('application/vnd.oci.image.index.v1+json');
    const listed = (index.json() as { manifests: { digest: string; platform: object }[] })
      .manifests;
    expect(listed.map((entry) => ({ ...entry.platform, digest: entry.digest }))).toEqual(platforms);
    expect(platforms).toEqual([
      { os: 'linux', architecture: 'amd64', digest: expect.any(String) },
      { os: 'linux', architecture: 'arm64', variant: 'v8', digest: expect.any(String) },
    ]);
    for (const platform of platforms) {
      expect((await getManifest(registry, repository, platform.digest)).status).toBe(200);
    }
  });

  it('resolves the shared tags to one digest', async () => {
    const { repository, tags, digest } = fixtures.shared;
    expect(tags.length).toBeGreaterThanOrEqual(3);
    for (const tag of tags) {
      expect((await getManifest(registry, repository, tag)).digestHeader).toBe(digest);
    }
  });

  it('stores the referrer and its sha256-<hex> referrers tag index', async () => {
    const { repository, tag, subjectDigest, artifactDigest, artifactType, referrersTag } =
      fixtures.referrer;
    expect(subjectDigest).toBe(fixtures.ociImage.digest);
    expect(referrersTag).toBe(`sha256-${subjectDigest.slice('sha256:'.length)}`);

    const artifact = await getManifest(registry, repository, tag);
    expect(artifact.digestHeader).toBe(artifactDigest);
    expect(artifact.json()).toMatchObject({
      artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2 },
      subject: { digest: subjectDigest },
    });

    const index = await getManifest(registry, repository, referrersTag);
    expect(index.status).toBe(200);
    expect(index.digestHeader).toBe(fixtures.referrer.referrersIndexDigest);
    expect(index.json().manifests).toEqual([
      expect.objectContaining({
        digest: artifactDigest,
        artifactType,
        annotations: expect.any(Object),
      }),
    ]);

    // Registry 2.8 has no referrers API: clients must fall back to the tag schema.
    const api = await registryGet(registry, `/v2/${repository}/referrers/${subjectDigest}`, [
      `repository:${repository}:pull`,
    ]);
    expect(api.status).toBe(404);
  });

  it('lists every tag of fixtures/paged at once: registry 2.8 ignores n on tags/list', async () => {
    const { repository, tags } = fixtures.paged;
    const response = await registryGet(registry, `/v2/${repository}/tags/list?n=2`, [
      `repository:${repository}:pull`,
    ]);
    expect(response.status).toBe(200);
    expect(response.headers.get('link')).toBeNull();
    const listed = ((await response.json()) as { tags: string[] }).tags;
    expect(listed.sort()).toEqual([...tags].sort());
  });

  it('pages the catalog two repositories at a time with Link headers', async () => {
    const seen: string[] = [];
    let next: string | undefined = '/v2/_catalog?n=2';
    while (next !== undefined) {
      const response = await registryGet(registry, next, ['registry:catalog:*']);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { repositories: string[] };
      expect(page.repositories.length).toBeLessThanOrEqual(2);
      seen.push(...page.repositories);
      next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    expect(new Set(seen).size).toBe(seen.length);
    const fixtureRepositories = [
      fixtures.dockerImage.repository,
      fixtures.ociImage.repository,
      fixtures.publicImage.repository,
      fixtures.multiArch.repository,
      fixtures.shared.repository,
      fixtures.paged.repository,
    ];
    expect(seen).toEqual(expect.arrayContaining(fixtureRepositories));
  });

  it('pushes a throw-away image that skopeo reads back with the same digests', async () => {
    const repository = `scratch/harness-${randomUUID()}`;
    const [oci, docker] = await Promise.all([
      pushImage(registry, repository, 'oci'),
      pushImage(registry, repository, 'docker', { format: 'v2s2' }),
    ]);
    expect(oci.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(docker.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(oci.digest).not.toBe(docker.digest);
    expect(await skopeoDigest(registry, `${repository}@${oci.digest}`)).toBe(oci.digest);
    expect((await getManifest(registry, repository, 'docker')).digestHeader).toBe(docker.digest);

    const dir = await mkdtemp(join(tmpdir(), 'regql-harness-copy-'));
    try {
      expect(await skopeoCopyToDir(registry, `${repository}:oci`, join(dir, 'image'))).toBe(
        oci.digest,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
