import { describe, expect, it } from 'vitest';
import type { RegistryError } from '../../src/registry/errors.js';
import { clientFor, loggedClient, seeded } from '../support/clients.js';

/** The rejection of a promise that must fail. */
async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: RegistryError) => error,
  );
}

describe('Basic auth (htpasswd)', () => {
  const { registry, fixtures } = seeded('basic');
  const f = fixtures.dockerImage;

  it('pings as basic and unauthorized without credentials', async () => {
    const { client } = clientFor('basic');
    expect(await client.ping()).toMatchObject({ authScheme: 'basic', authorized: false });
    await expect(client.manifests.get(f.repository, f.tag)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      statusCode: 401,
    });
    await client.connection.close();
  });

  it('reads with the right password, sending it up front once the challenge is known', async () => {
    const { client, log } = clientFor('basic', 'alice');
    expect((await client.manifests.get(f.repository, f.tag)).digest).toBe(f.digest);
    expect(log.map((e) => e.status)).toEqual([401, 200]);
    await client.manifests.head(f.repository, f.tag);
    expect(log.map((e) => e.status)).toEqual([401, 200, 200]);
    await client.connection.close();
  });

  it('says UNAUTHORIZED for a wrong password and never repeats the password', async () => {
    const secret = 'wrong-password-7f3a';
    const { client } = loggedClient(registry.url, { username: 'alice', password: secret });
    const error = await failure(client.manifests.get(f.repository, f.tag));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(`${error.message} ${String(error.stack)}`).not.toContain(secret);
    await client.connection.close();
  });
});

describe('Bearer token auth', () => {
  const { registry, fixtures } = seeded('token');
  const realm = new URL(registry.tokenRealm ?? '').origin;

  it('pings as bearer: learns the challenge from a 401, then gets an anonymous token', async () => {
    const { client, log } = clientFor('token');
    expect(await client.ping()).toMatchObject({ authScheme: 'bearer', authorized: true });
    expect(log.map((e) => `${e.origin === realm ? 'token' : 'registry'} ${e.status}`)).toEqual([
      'registry 401',
      'token 200',
      'registry 200',
    ]);
    await client.connection.close();
  });

  it('fetches one token per scope and reuses it from the cache', async () => {
    const { client, log, registryRequests } = clientFor('token', 'alice');
    const f = fixtures.dockerImage;
    for (let i = 0; i < 3; i++)
      expect((await client.manifests.get(f.repository, f.tag)).digest).toBe(f.digest);
    const tokenRequests = () => log.filter((e) => e.origin === realm);
    expect(tokenRequests()).toHaveLength(1);
    expect(registryRequests().map((e) => e.status)).toEqual([401, 200, 200, 200]);
    await client.manifests.get(fixtures.ociImage.repository, fixtures.ociImage.tag);
    expect(tokenRequests()).toHaveLength(2);
    await client.connection.close();
  });

  it('dedupes concurrent token fetches for one scope', async () => {
    const { client, log } = clientFor('token', 'alice');
    const f = fixtures.dockerImage;
    await client.ping();
    const before = log.filter((e) => e.origin === realm).length;
    const digests = f.layerDigests.concat(f.configDigest);
    await Promise.all(digests.map((d) => client.blobs.head(f.repository, d)));
    expect(log.filter((e) => e.origin === realm).length - before).toBe(1);
    await client.connection.close();
  });

  it('lets anonymous callers pull public images only', async () => {
    const { client } = clientFor('token');
    const pub = fixtures.publicImage;
    expect((await client.manifests.get(pub.repository, pub.tag)).digest).toBe(pub.digest);
    await expect(
      client.manifests.get(fixtures.ociImage.repository, fixtures.ociImage.tag),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await client.connection.close();
  });

  it('says FORBIDDEN when the credentials are valid but lack the right', async () => {
    const { client } = clientFor('token', 'bob');
    const pub = fixtures.publicImage;
    expect((await client.manifests.get(pub.repository, pub.tag)).digest).toBe(pub.digest);
    await expect(
      client.manifests.get(fixtures.ociImage.repository, fixtures.ociImage.tag),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await client.connection.close();
  });

  it('keeps credentials apart on one shared connection', async () => {
    const alice = clientFor('token', 'alice').client;
    const bob = alice.withCredentials({ username: 'bob', password: registry.users.bob ?? '' });
    const f = fixtures.ociImage;
    expect((await alice.manifests.get(f.repository, f.tag)).digest).toBe(f.digest);
    await expect(bob.manifests.get(f.repository, f.tag)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(bob.connection).toBe(alice.connection);
    await alice.connection.close();
  });

  it('says UNAUTHORIZED when the token service refuses the password', async () => {
    const secret = 'not-alices-password-91c2';
    const { client } = loggedClient(registry.url, { username: 'alice', password: secret });
    const error = await failure(client.manifests.get(fixtures.ociImage.repository, 'x'));
    expect(error.code).toBe('UNAUTHORIZED');
    expect(`${error.message} ${String(error.stack)}`).not.toContain(secret);
    await client.connection.close();
  });

  it('uses a ready bearer token as given', async () => {
    const url = new URL(registry.tokenRealm ?? '');
    url.searchParams.set('service', registry.service ?? '');
    url.searchParams.set('scope', `repository:${fixtures.ociImage.repository}:pull`);
    const basic = Buffer.from(`alice:${registry.users.alice}`).toString('base64');
    const answer = await fetch(url, { headers: { authorization: `Basic ${basic}` } });
    const { token } = (await answer.json()) as { token: string };
    const { client, log } = loggedClient(registry.url, { token });
    const f = fixtures.ociImage;
    expect((await client.manifests.get(f.repository, f.tag)).digest).toBe(f.digest);
    expect(log.filter((e) => e.origin === realm)).toHaveLength(0);
    await client.connection.close();
  });

  it('lists the catalog with registry:catalog:* for alice', async () => {
    const { client } = clientFor('token', 'alice');
    expect(await client.catalog.all()).toContain(fixtures.ociImage.repository);
    await client.connection.close();
  });
});
