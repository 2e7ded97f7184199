import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ensureTools } from '../../src/demo/tools.js';
import { freePort, own } from './child-process.js';

/** Longest a redis-server may take to answer PING after it was started. */
const READY_TIMEOUT_MS = 10_000;

/** A redis-server started by startRedis. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  /** A client of it, for the test's own reads and writes (keys unprefixed). */
  client: Redis;
  /** The process, to pause (SIGSTOP) or stop from a test. */
  process: ChildProcess;
  /** Stops the server (and the client); safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts Debian's `redis-server` on a free loopback port with nothing written to disk (no RDB
 * snapshots, no AOF), and waits until it answers PING. When redis-server is missing it is
 * installed with apt-get as root; otherwise this throws with the command to run.
 */
export async function startRedis(): Promise<RedisServer> {
  await ensureTools({ 'redis-server': 'redis-server' }, 'the Redis cache test');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const owned = own(child);
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  const stop = async () => {
    client.disconnect();
    await owned.stop();
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while ((await client.ping().catch(() => undefined)) !== 'PONG') {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not start on port ${port}:\n${owned.output().trim()}`);
    }
    await sleep(20);
  }
  return { url, client, process: child, stop };
}
