import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

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
