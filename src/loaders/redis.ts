import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { z } from 'zod';

/** Longest a Redis call may take before the cache gives up on it and asks the registry. */
export const REDIS_TIMEOUT_MS = 200;

/** Where the shared tier lives and how long it keeps values (`config.redis`). */
export interface RedisSettings {
  url: string;
  /** Prefix of every key written. */
  keyPrefix: string;
  /** Seconds a value lives. */
  ttlSeconds: number;
}

/**
 * A byte store shared by the gateway's replicas: the second tier of the digest cache. It holds
 * untrusted bytes (the cache verifies what comes back), and any call may reject when the store is
 * down or slow; the cache then falls through to the registry.
 */
export interface SharedStore {
  /** The value under `key`, or undefined when there is none. */
  get(key: string): Promise<Buffer | undefined>;
  /** True when `key` holds a value. */
  has(key: string): Promise<boolean>;
  /** Stores `value` under `key`, for the store's TTL. */
  set(key: string, value: Buffer): Promise<void>;
  /** Removes `key`. */
  delete(key: string): Promise<void>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/**
 * The shared store in Redis (ioredis). It connects at once and reconnects by itself; every call
 * fails fast while the connection is down (no offline queue) and times out after
 * REDIS_TIMEOUT_MS, so a slow or absent Redis costs a query at most that per call. Only calls
 * made before the first connection is up wait for it, as long as that timeout.
 */
export class RedisStore implements SharedStore {
  private readonly redis: Redis;
  private readonly ttlSeconds: number;
  /** Settles when the first connection is ready, or failed. */
  private readonly started: Promise<unknown>;

  constructor(settings: RedisSettings) {
    this.ttlSeconds = settings.ttlSeconds;
    this.redis = new Redis(settings.url, {
      keyPrefix: settings.keyPrefix,
      commandTimeout: REDIS_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: 'regql',
    });
    // failed calls are counted by the cache; connection errors themselves are not news
    this.redis.on('error', () => undefined);
    this.started = once(this.redis, 'ready').catch(() => undefined);
  }

  /** The value under `key`, or undefined. */
  async get(key: string): Promise<Buffer | undefined> {
    await this.connected();
    return (await this.redis.getBuffer(key)) ?? undefined;
  }

  /** True when `key` holds a value. */
  async has(key: string): Promise<boolean> {
    await this.connected();
    return (await this.redis.exists(key)) === 1;
  }

  /** Stores `value` under `key` with the configured TTL. */
  async set(key: string, value: Buffer): Promise<void> {
    await this.connected();
    await this.redis.set(key, value, 'EX', this.ttlSeconds);
  }

  /** Removes `key`. */
  async delete(key: string): Promise<void> {
    await this.connected();
    await this.redis.del(key);
  }

  /** Closes the connection, after the replies still due (at once when Redis is gone). */
  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Waits (at most REDIS_TIMEOUT_MS) for the first connection; later outages fail fast instead. */
  private async connected(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await Promise.race([this.started, sleep(REDIS_TIMEOUT_MS, undefined, { ref: false })]);
  }
}

/**
 * What one replica tells the others on the events channel: who sent it (that replica has applied
 * the change already) and the repositories an event named.
 */
const BROADCAST = z.object({ from: z.string(), repositories: z.array(z.string()) });

/** A broadcast on the events channel. */
type Broadcast = z.infer<typeof BROADCAST>;

/** What a RedisEventChannel reports to its gateway. */
export interface EventChannelListener {
  /** Another replica took a registry event naming these repositories. */
  changed(repositories: string[]): void;
  /** The subscription is (again) up, and broadcasts may have been missed: anything may have changed. */
  resync(): void;
}

/**
 * Registry events shared by the replicas of one Redis (`<REDIS_KEY_PREFIX>events`, pub/sub): the
 * replica the registry notified publishes the repositories an event named, and every other one
 * applies them, so the registry needs one endpoint for all of them (the load balancer). Each time
 * the subscription is up (at start, and after an outage) it reports `resync`: broadcasts sent
 * while it was not are lost, so everything counts as changed. Publishing is best effort; a failure
 * is only counted by the caller (REGISTRY_EVENTS_MAX_AGE_MS bounds what it leaves stale).
 */
export class RedisEventChannel {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly id = randomUUID();

  constructor(settings: RedisSettings, listener: EventChannelListener) {
    this.channel = `${settings.keyPrefix}events`;
    const options = { enableOfflineQueue: false, maxRetriesPerRequest: 1 };
    this.publisher = new Redis(settings.url, { ...options, connectionName: 'regql-events' });
    this.subscriber = new Redis(settings.url, { connectionName: 'regql-events-subscriber' });
    for (const connection of [this.publisher, this.subscriber]) connection.on('error', () => {});
    // on every connection, the first one included (broadcasts may have gone out before it):
    // once subscribed, whatever was sent meanwhile is lost, so everything counts as changed
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(this.channel).then(
        () => listener.resync(),
        () => undefined,
      );
    });
    this.subscriber.on('message', (_channel: string, message: string) => {
      const broadcast = parseBroadcast(message);
      if (broadcast && broadcast.from !== this.id) listener.changed(broadcast.repositories);
    });
  }

  /** Tells the other replicas that these repositories changed; resolves false when that failed. */
  async publish(repositories: string[]): Promise<boolean> {
    const message = JSON.stringify({ from: this.id, repositories } satisfies Broadcast);
    return this.publisher.publish(this.channel, message).then(
      () => true,
      () => false,
    );
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    await Promise.all(
      [this.publisher, this.subscriber].map((r) => r.quit().catch(() => r.disconnect())),
    );
  }
}

/** A broadcast as sent by a replica, or undefined for anything else on the channel. */
function parseBroadcast(message: string): Broadcast | undefined {
  try {
    return BROADCAST.parse(JSON.parse(message));
  } catch {
    return undefined;
  }
}
