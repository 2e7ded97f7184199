import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  DeleteTagDocument,
  RepositoryFanOutDocument,
  TagDetailsDocument,
} from '../generated/graphql.js';
import { pushImage } from '../harness/fixtures.js';
import { seeded } from '../support/clients.js';
import { gatewayAt, gatewayFor, type TestGateway } from '../support/gateway.js';
import { present } from '../support/present.js';
import { startProxy } from '../support/proxy.js';
import { readThenMove } from '../support/tags.js';

const open = seeded('open');

/** Runs `work` on a gateway for the open registry with `env`, then closes the gateway. */
async function withGateway(
  env: Record<string, string>,
  work: (gw: TestGateway) => Promise<void>,
): Promise<void> {
  const gw = gatewayFor('open', env);
  try {
    await work(gw);
  } finally {
    await gw.close();
  }
}

/** Runs `work` and resolves its result with the upstream calls it made. */
async function counted<T>(gw: TestGateway, work: () => Promise<T>): Promise<[T, number]> {
  const mark = gw.log.length;
  const result = await work();
  return [result, gw.registryCallsSince(mark).length];
}

describe('RESPONSE_CACHE_TTL_MS: whole answers reused', () => {
  it('is off by default: the same query asks the registry again', () =>
    withGateway({}, async (gw) => {
      const name = open.fixtures.shared.repository;
      await gw.execute(RepositoryFanOutDocument, { name });
      const [, calls] = await counted(gw, () => gw.execute(RepositoryFanOutDocument, { name }));
      expect(calls).toBeGreaterThan(0);
    }));

  it('answers the same query and variables from memory, other variables from the registry', () =>
    withGateway({ RESPONSE_CACHE_TTL_MS: '600000' }, async (gw) => {
      const name = open.fixtures.shared.repository;
      const [cold, coldCalls] = await counted(gw, () =>
        gw.execute(RepositoryFanOutDocument, { name }),
      );
      expect(cold.errors).toBeUndefined();
      expect(coldCalls).toBeGreaterThan(0);
      const [again, calls] = await counted(gw, () =>
        gw.execute(RepositoryFanOutDocument, { name }),
      );
      expect(again).toEqual(cold);
      expect(calls).toBe(0);
      const other = open.fixtures.multiArch.repository;
      const [, otherCalls] = await counted(gw, () =>
        gw.execute(RepositoryFanOutDocument, { name: other }),
      );
      expect(otherCalls).toBeGreaterThan(0);
    }));

  it('keeps a @defer answer whole once its last part is in, and serves it as one part', () =>
    withGateway({ RESPONSE_CACHE_TTL_MS: '600000' }, async (gw) => {
      const f = open.fixtures.paged;
      const deferred = async () => {
        const response = await gw.gateway.yoga.fetch('http://regql.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
          body: JSON.stringify({
            query: `{ repository(name: "${f.repository}") { tags(first: 2) { nodes { name ... @defer { digest } } } } }`,
          }),
        });
        return (await response.text()).split('\r\n---').filter((part) => part.includes('{'));
      };
      const [cold, coldCalls] = await counted(gw, deferred);
      expect(cold.length).toBeGreaterThan(1);
      expect(coldCalls).toBeGreaterThan(0);
      const [warm, calls] = await counted(gw, deferred);
      expect(calls).toBe(0);
      expect(warm).toHaveLength(1);
      expect(warm[0]?.split(f.digest).length).toBe(3);
    }));

  it('within the TTL a tag moved elsewhere shows its previous image; after it, the new one', async () => {
    // the cache's clock stands still while the tag is moved (a push may outlast a short TTL) and
    // moves on only as the test says: nothing here races the wall clock
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      await withGateway({ RESPONSE_CACHE_TTL_MS: '300' }, async (gw) => {
        const repository = `answers/${randomUUID().slice(0, 8)}`;
        const { first, cold, moved } = await readThenMove(gw, open.registry, repository);
        expect(cold.data?.repository?.tag?.digest).toBe(first.digest);
        vi.advanceTimersByTime(299);
        const within = await gw.execute(TagDetailsDocument, { repository, tag: 'v1' });
        expect(within).toEqual(cold);
        vi.advanceTimersByTime(1);
        const after = await gw.execute(TagDetailsDocument, { repository, tag: 'v1' });
        expect(after.data?.repository?.tag?.digest).toBe(moved.digest);
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('a mutation through the gateway empties it: a deleted tag is gone at once', () =>
    withGateway({ RESPONSE_CACHE_TTL_MS: '600000', READ_ONLY: 'false' }, async (gw) => {
      const repository = `answers/${randomUUID().slice(0, 8)}`;
      await pushImage(open.registry, repository, 'keep');
      await pushImage(open.registry, repository, 'drop');
      const listed = await gw.execute(RepositoryFanOutDocument, { name: repository });
      const names = () =>
        present(listed.data?.repository?.tags, 'repository.tags').nodes.map((t) => t.name);
      expect(names()).toEqual(['drop', 'keep']);
      const deleted = await gw.execute(DeleteTagDocument, { repository, tag: 'drop' });
      expect(deleted.data?.deleteTag.deletedTags).toEqual(['drop']);
      const [after, calls] = await counted(gw, () =>
        gw.execute(RepositoryFanOutDocument, { name: repository }),
      );
      expect(
        present(after.data?.repository?.tags, 'repository.tags').nodes.map((t) => t.name),
      ).toEqual(['keep']);
      expect(calls).toBeGreaterThan(0);
    }));

  it('keeps no answer with errors: a failing tag is asked for each time', async () => {
    const f = open.fixtures.shared;
    const failing = f.tags[0]!;
    const proxy = await startProxy(open.registry.url, (req) =>
      req.path === `/v2/${f.repository}/manifests/${failing}`
        ? { kind: 'respond', status: 503 }
        : { kind: 'forward' },
    );
    const gw = gatewayAt(proxy.url, { RESPONSE_CACHE_TTL_MS: '600000', UPSTREAM_RETRIES: '0' });
    try {
      for (let round = 0; round < 2; round++) {
        const [answer, calls] = await counted(gw, () =>
          gw.execute(TagDetailsDocument, { repository: f.repository, tag: failing }),
        );
        expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['UPSTREAM_ERROR']);
        expect(calls).toBeGreaterThan(0);
      }
    } finally {
      await gw.close();
      await proxy.close();
    }
  });
});

describe('RESPONSE_CACHE_TTL_MS with AUTH_MODE=passthrough: answers kept per caller', () => {
  const token = seeded('token');
  const basic = (user: string) =>
    `Basic ${Buffer.from(`${user}:${token.registry.users[user] ?? ''}`).toString('base64')}`;

  it("never serves alice's answer to bob or to an anonymous caller", async () => {
    const gw = gatewayFor('token', { AUTH_MODE: 'passthrough', RESPONSE_CACHE_TTL_MS: '600000' });
    try {
      const f = token.fixtures.ociImage;
      const variables = { repository: f.repository, tag: f.tag };
      const alice = { authorization: basic('alice') };
      const asAlice = await gw.execute(TagDetailsDocument, variables, alice);
      expect(asAlice.data?.repository?.tag?.digest).toBe(f.digest);
      const [again, calls] = await counted(gw, () =>
        gw.execute(TagDetailsDocument, variables, alice),
      );
      expect(again).toEqual(asAlice);
      expect(calls).toBe(0);
      const asBob = await gw.execute(TagDetailsDocument, variables, {
        authorization: basic('bob'),
      });
      expect(asBob.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      const anonymous = await gw.execute(TagDetailsDocument, variables);
      expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHORIZED']);
    } finally {
      await gw.close();
    }
  });
});
