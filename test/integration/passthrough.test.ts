import { afterAll, describe, expect, it } from 'vitest';
import {
  BlobDocument,
  ImageDocument,
  NodeDocument,
  ReferrersDocument,
  RepositoryFanOutDocument,
  TagDetailsDocument,
} from '../generated/graphql.js';
import { seeded } from '../support/clients.js';
import { gatewayFor } from '../support/gateway.js';

const { registry, fixtures } = seeded('token');
const basic = (user: string) =>
  `Basic ${Buffer.from(`${user}:${registry.users[user] ?? ''}`).toString('base64')}`;
const alice = { authorization: basic('alice') };
const bob = { authorization: basic('bob') };

describe('AUTH_MODE=passthrough: each caller is who the registry sees', () => {
  const gw = gatewayFor('token', { AUTH_MODE: 'passthrough' });
  afterAll(() => gw.close());
  const f = fixtures.ociImage;

  it('alice reads her image; anonymous callers and bob get the registry refusal', async () => {
    const asAlice = await gw.execute(
      TagDetailsDocument,
      { repository: f.repository, tag: f.tag },
      alice,
    );
    expect(asAlice.data?.repository?.tag?.digest).toBe(f.digest);
    const anonymous = await gw.execute(TagDetailsDocument, {
      repository: f.repository,
      tag: f.tag,
    });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
    const asBob = await gw.execute(
      TagDetailsDocument,
      { repository: f.repository, tag: f.tag },
      bob,
    );
    expect(asBob.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('never serves bob what alice just loaded into the shared cache, through any field', async () => {
    // alice warms the cache with the manifest, its config, its referrers and a blob
    await gw.execute(RepositoryFanOutDocument, { name: f.repository }, alice);
    await gw.execute(ImageDocument, { reference: `${f.repository}@${f.digest}` }, alice);
    const queries = [
      gw.execute(ImageDocument, { reference: `${f.repository}@${f.digest}` }, bob),
      gw.execute(ImageDocument, { reference: `${f.repository}:${f.tag}` }, bob),
      gw.execute(RepositoryFanOutDocument, { name: f.repository }, bob),
      gw.execute(BlobDocument, { repository: f.repository, digest: f.configDigest }, bob),
      gw.execute(ReferrersDocument, { repository: f.repository, reference: f.digest }, bob),
      gw.execute(
        NodeDocument,
        { id: Buffer.from(`Tag:${f.repository}:${f.tag}`).toString('base64url') },
        bob,
      ),
    ];
    for (const result of await Promise.all(queries)) {
      expect(JSON.stringify(result.data ?? {})).not.toContain(f.digest.slice(7));
      expect(result.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
    }
  });

  it('serves bob cached public content once the registry confirms he may read it', async () => {
    const pub = fixtures.publicImage;
    await gw.execute(ImageDocument, { reference: `${pub.repository}@${pub.digest}` }, alice);
    const mark = gw.log.length;
    const asBob = await gw.execute(
      ImageDocument,
      { reference: `${pub.repository}@${pub.digest}` },
      bob,
    );
    expect(asBob.data?.image?.digest).toBe(pub.digest);
    // the manifest is a cache hit, confirmed by a HEAD as bob; it is not fetched again
    const manifestCalls = gw.registryCallsSince(mark).filter((e) => e.path.includes(pub.digest));
    expect(manifestCalls.map((e) => `${e.method} ${e.status}`)).toEqual(['HEAD 200']);
  });

  it('refuses a malformed Authorization header with UNAUTHORIZED', async () => {
    const result = await gw.execute(
      ImageDocument,
      { reference: `${f.repository}:${f.tag}` },
      {
        authorization: 'Digest nonsense="1"',
      },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED');
  });

  it('accepts a registry bearer token from the caller', async () => {
    const url = new URL(registry.tokenRealm ?? '');
    url.searchParams.set('service', registry.service ?? '');
    url.searchParams.set('scope', `repository:${f.repository}:pull`);
    const answer = await fetch(url, { headers: alice });
    const { token } = (await answer.json()) as { token: string };
    const result = await gw.execute(
      ImageDocument,
      { reference: `${f.repository}:${f.tag}` },
      {
        authorization: `Bearer ${token}`,
      },
    );
    expect(result.data?.image?.digest).toBe(f.digest);
  });
});

describe('AUTH_MODE=service (the default)', () => {
  it('ignores the caller header and uses the configured account', async () => {
    const gw = gatewayFor('token', {
      REGISTRY_USERNAME: 'alice',
      REGISTRY_PASSWORD: registry.users.alice ?? '',
    });
    const f = fixtures.ociImage;
    const result = await gw.execute(
      TagDetailsDocument,
      { repository: f.repository, tag: f.tag },
      bob,
    );
    expect(result.data?.repository?.tag?.digest).toBe(f.digest);
    await gw.close();
  });
});
