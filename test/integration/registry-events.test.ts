import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  type LocalRegistry,
  registryNotifications,
  startLocalRegistry,
} from '../../src/demo/registry-process.js';
import { REGISTRY_EVENTS_PATH } from '../../src/registry-events.js';
import { RepositoryFanOutDocument, TagDetailsDocument } from '../generated/graphql.js';
import { pushImage } from '../harness/fixtures.js';
import type { RegistryInfo } from '../harness/types.js';
import { seeded } from '../support/clients.js';
import {
  broadcasts,
  EVENTS_TOKEN,
  envelope,
  eventsAccepted,
  eventsRefused,
  postEvents,
} from '../support/events.js';
import { gatewayAt, gatewayFor, type TestGateway } from '../support/gateway.js';
import { present } from '../support/present.js';
import { startProxy } from '../support/proxy.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { until } from '../support/wait.js';

/** A repository of its own for each use (its tags are pushed and moved). */
const scratch = () => `events/${randomUUID().slice(0, 8)}`;

/** The port every gateway of this file listens on: the registry's notifications go there. */
let port: number;
/** A registry of its own, whose notifications (pulls and blobs left out) go to that port. */
let local: LocalRegistry;
/** The registry as the image fixtures take it. */
let registry: RegistryInfo;

beforeAll(async () => {
  port = await freePort();
  local = await startLocalRegistry('regql-events-', async () => ({
    config: registryNotifications(`http://127.0.0.1:${port}${REGISTRY_EVENTS_PATH}`, EVENTS_TOKEN),
  }));
  registry = { flavour: 'open', ...local, users: {} };
});

afterAll(() => local?.stop());

/**
 * Runs `work` on a gateway for the registry with events on (and `env`), listening on the port the
 * registry notifies; closes it after. Every test waits for each event it causes, so none is left
 * on its way to the next test's gateway.
 */
async function withGateway(
  env: Record<string, string>,
  work: (gw: TestGateway) => Promise<void>,
): Promise<void> {
  const gw = gatewayAt(registry.url, { REGISTRY_EVENTS_TOKEN: EVENTS_TOKEN, ...env });
  const server = createServer(gw.gateway.yoga);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  try {
    await work(gw);
  } finally {
    server.closeAllConnections();
    server.close();
    await gw.close();
  }
}

/** Pushes an image with skopeo as `repository:tag` and waits until the gateway got its event. */
async function pushAndWait(gw: TestGateway, repository: string, tag: string) {
  const before = await eventsAccepted(gw.gateway, 'push');
  const image = await pushImage(registry, repository, tag);
  await until(async () => (await eventsAccepted(gw.gateway, 'push')) > before);
  return image;
}

/** The manifest requests (by tag or digest) for `repository` since `mark`. */
function manifestCalls(gw: TestGateway, mark: number, repository: string): string[] {
  return gw
    .registryCallsSince(mark)
    .filter((e) => e.path.startsWith(`/v2/${repository}/manifests/`))
    .map((e) => `${e.method} ${e.path}`);
}

/** Reads `repository:tag` and resolves its digest with the manifest requests that read made. */
async function readTag(gw: TestGateway, repository: string, tag = 'v1') {
  const mark = gw.log.length;
  const answer = await gw.execute(TagDetailsDocument, { repository, tag });
  expect(answer.errors).toBeUndefined();
  return {
    digest: answer.data?.repository?.tag?.digest,
    calls: manifestCalls(gw, mark, repository),
  };
}

describe('REGISTRY_EVENTS_TOKEN: tags kept fresh by the registry notifications', () => {
  it('serves a warm tag without asking while no event came, and a tag moved at the registry once its event arrived', () =>
    withGateway({}, async (gw) => {
      const repository = scratch();
      const first = await pushAndWait(gw, repository, 'v1');
      const cold = await readTag(gw, repository);
      expect(cold.digest).toBe(first.digest);
      expect(cold.calls.length).toBeGreaterThan(0);
      const warm = await readTag(gw, repository);
      expect(warm).toEqual({ digest: first.digest, calls: [] });
      const moved = await pushAndWait(gw, repository, 'v1');
      const after = await readTag(gw, repository);
      expect(after.digest).toBe(moved.digest);
      expect(after.calls).toContain(`GET /v2/${repository}/manifests/v1`);
      // the registry sends no pull events (the reads above, skopeo's own): `ignore: actions`
      expect(await eventsAccepted(gw.gateway, 'pull')).toBe(0);
    }));

  it('keeps a warm tag fresh across an event for another repository', () =>
    withGateway({}, async (gw) => {
      const repository = scratch();
      const image = await pushAndWait(gw, repository, 'v1');
      await readTag(gw, repository);
      await pushAndWait(gw, scratch(), 'v1');
      expect(await readTag(gw, repository)).toEqual({ digest: image.digest, calls: [] });
    }));

  it('refuses events with a wrong or no token (401), and they change nothing', () =>
    withGateway({}, async (gw) => {
      const repository = scratch();
      const image = await pushAndWait(gw, repository, 'v1');
      await readTag(gw, repository);
      const url = `http://127.0.0.1:${port}${REGISTRY_EVENTS_PATH}`;
      for (const authorization of ['Bearer not-the-token-at-all', undefined]) {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/vnd.docker.distribution.events.v1+json',
            ...(authorization ? { authorization } : {}),
          },
          body: envelope('push', repository),
        });
        expect(response.status).toBe(401);
      }
      expect(await eventsRefused(gw.gateway, 'unauthorized')).toBe(2);
      expect(await readTag(gw, repository)).toEqual({ digest: image.digest, calls: [] });
    }));

  it('empties the response cache on an event: a tag pushed at the registry shows at once', () =>
    withGateway({ RESPONSE_CACHE_TTL_MS: '600000' }, async (gw) => {
      const repository = scratch();
      await pushAndWait(gw, repository, 'keep');
      const names = async () => {
        const mark = gw.log.length;
        const answer = await gw.execute(RepositoryFanOutDocument, { name: repository });
        const tags = present(answer.data?.repository?.tags, 'repository.tags').nodes.map(
          (t) => t.name,
        );
        return { tags, calls: gw.registryCallsSince(mark).length };
      };
      expect((await names()).tags).toEqual(['keep']);
      expect(await names()).toEqual({ tags: ['keep'], calls: 0 });
      await pushAndWait(gw, repository, 'new');
      expect((await names()).tags).toEqual(['keep', 'new']);
    }));
});

describe('REGISTRY_EVENTS_TOKEN: an answer on its way while an event came', () => {
  it('is not kept fresh: the next read asks again, and the one after that does not', async () => {
    const { repository, tag } = { repository: 'fixtures/docker-image', tag: 'v1' };
    let gw: TestGateway | undefined;
    let held = false;
    const proxy = await startProxy(seeded('open').registry.url, (req) => {
      if (held || req.method !== 'GET' || req.path !== `/v2/${repository}/manifests/${tag}`) {
        return { kind: 'forward' };
      }
      held = true;
      // the registry's first answer for the tag leaves only once the gateway took an event
      const event = postEvents((gw as TestGateway).gateway, envelope('push', repository));
      return { kind: 'forward', after: event.then((r: Response) => expect(r.status).toBe(204)) };
    });
    gw = gatewayAt(proxy.url, { REGISTRY_EVENTS_TOKEN: EVENTS_TOKEN });
    const tagCalls = async () =>
      (await readTag(gw as TestGateway, repository, tag)).calls.filter((call) =>
        call.endsWith(`/manifests/${tag}`),
      ).length;
    try {
      expect(await tagCalls()).toBe(1);
      expect(await eventsAccepted(gw.gateway, 'push')).toBe(1);
      expect(await tagCalls()).toBe(1);
      expect(await tagCalls()).toBe(0);
    } finally {
      await gw.close();
      await proxy.close();
    }
  });
});

describe('replicas sharing a Redis: the registry notifies one, every one follows', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  /** Runs `work` with the notified gateway and a second replica, both on this Redis. */
  const withReplicas = (work: (notified: TestGateway, other: TestGateway) => Promise<void>) => {
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `regql-${randomUUID()}:` };
    return withGateway(env, async (notified) => {
      const other = gatewayAt(registry.url, { REGISTRY_EVENTS_TOKEN: EVENTS_TOKEN, ...env });
      try {
        // both are subscribed once they have resynced (each does, once its subscription is up)
        for (const gw of [notified, other]) {
          await until(async () => (await broadcasts(gw.gateway, 'resync')) > 0);
        }
        await work(notified, other);
      } finally {
        await other.close();
      }
    });
  };

  it('a tag moved at the registry shows on the replica the registry did not notify', () =>
    withReplicas(async (notified, other) => {
      const repository = scratch();
      const first = await pushAndWait(notified, repository, 'v1');
      expect((await readTag(other, repository)).digest).toBe(first.digest);
      expect(await readTag(other, repository)).toEqual({ digest: first.digest, calls: [] });
      const received = await broadcasts(other.gateway, 'received');
      const moved = await pushAndWait(notified, repository, 'v1');
      await until(async () => (await broadcasts(other.gateway, 'received')) > received);
      const after = await readTag(other, repository);
      expect(after.digest).toBe(moved.digest);
      expect(after.calls).toContain(`GET /v2/${repository}/manifests/v1`);
      expect(await broadcasts(notified.gateway, 'sent')).toBeGreaterThanOrEqual(2);
      // the notified replica applied its own event at once and ignores its own broadcast
      expect(await broadcasts(notified.gateway, 'received')).toBe(0);
    }));

  it('a replica whose subscription dropped asks again for every tag once it is back', () =>
    withReplicas(async (notified, other) => {
      const repository = scratch();
      const image = await pushAndWait(notified, repository, 'v1');
      await readTag(other, repository);
      expect((await readTag(other, repository)).calls).toEqual([]);
      // broadcasts sent while it was away are lost: everything may have changed
      const resyncs = await broadcasts(other.gateway, 'resync');
      await redis.client.client('KILL', 'TYPE', 'pubsub');
      await until(async () => (await broadcasts(other.gateway, 'resync')) > resyncs);
      const after = await readTag(other, repository);
      expect(after.digest).toBe(image.digest);
      expect(after.calls).toContain(`GET /v2/${repository}/manifests/v1`);
    }));
});

describe('REGISTRY_EVENTS_MAX_AGE_MS: the bound when no event comes', () => {
  const open = (env: Record<string, string>) =>
    gatewayFor('open', { REGISTRY_EVENTS_TOKEN: EVENTS_TOKEN, ...env });

  it('asks the registry again once it has passed', async () => {
    const gw = open({ REGISTRY_EVENTS_MAX_AGE_MS: '1' });
    try {
      const { repository, tag } = { repository: 'fixtures/oci-image', tag: '1.0' };
      await readTag(gw, repository, tag);
      await sleep(20);
      expect((await readTag(gw, repository, tag)).calls.length).toBeGreaterThan(0);
    } finally {
      await gw.close();
    }
  });

  it('gives way to a longer TAG_TTL_MS', async () => {
    const gw = open({ REGISTRY_EVENTS_MAX_AGE_MS: '1', TAG_TTL_MS: '600000' });
    try {
      const { repository, tag } = { repository: 'fixtures/oci-image', tag: '1.0' };
      await readTag(gw, repository, tag);
      await sleep(20);
      expect((await readTag(gw, repository, tag)).calls).toEqual([]);
    } finally {
      await gw.close();
    }
  });
});
