import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';

/** How long a registry may take to answer `/v2/`. */
const READY_TIMEOUT_MS = 20_000;

/** How long a registry may take to exit after SIGTERM before it gets SIGKILL. */
const STOP_TIMEOUT_MS = 5_000;

/** How many free ports to try when another process takes the port first. */
const PORT_ATTEMPTS = 3;

/** Registry processes still running; killed if this process exits without stopping them. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** A `docker-registry` configuration document; `http.addr` is filled in when it starts. */
export interface RegistryConfig extends Record<string, unknown> {
  /** The `http` section (`addr` is set by startRegistryProcess). */
  http?: Record<string, unknown>;
}

/** A running `docker-registry serve` process. */
export interface RegistryProcess {
  /** Base URL, `http://127.0.0.1:PORT` (`https://` with a `tls` section). */
  url: string;
  /** `127.0.0.1:PORT`, the registry part of an image reference. */
  host: string;
  /** Sends SIGTERM (SIGKILL after 5 s) and waits for the process to exit. */
  stop(): Promise<void>;
}

/**
 * The configuration of a local registry storing in `storageDir`, with deletes enabled, quiet
 * logs, no upload purging and a random upload-state secret; add an `auth` section as needed.
 */
function localRegistryConfig(storageDir: string): RegistryConfig {
  return {
    version: '0.1',
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: storageDir },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: { secret: randomBytes(16).toString('hex') },
  };
}

/** A free TCP port on 127.0.0.1 (listen on port 0, then close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Sends SIGTERM, then SIGKILL if the process has not exited in time, and waits for the exit. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Polls `GET /v2/` until it answers 200 or 401, trusting `ca` (PEM) for an https registry; throws
 * if the process ends or time runs out.
 */
async function waitUntilReady(
  url: string,
  ended: () => string | undefined,
  ca: string | undefined,
): Promise<void> {
  const dispatcher = new Agent(ca ? { connect: { ca } } : {});
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const end = ended();
      if (end !== undefined) throw new Error(`docker-registry ${end} before answering ${url}/v2/`);
      try {
        const response = await request(`${url}/v2/`, {
          dispatcher,
          signal: AbortSignal.timeout(1_000),
        });
        await response.body.dump();
        if (response.statusCode === 200 || response.statusCode === 401) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`docker-registry did not answer ${url}/v2/ within ${READY_TIMEOUT_MS} ms`);
  } finally {
    await dispatcher.close();
  }
}

/** The last lines of a log text. */
function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Starts `docker-registry serve` on a free loopback port (or on `at`, `127.0.0.1:PORT`) with
 * `config` (its `http.addr` set to that port), writing `config.json` and `registry.log` into
 * `dir`, and waits until it answers `GET /v2/`, with `env` added to its environment. Retries on
 * another free port if the port was taken; a failure carries the log's tail.
 * The caller owns `dir` and the storage; the process is killed if this process exits first.
 */
export async function startRegistryProcess(
  dir: string,
  config: RegistryConfig,
  env: Record<string, string> = {},
  at?: string,
): Promise<RegistryProcess> {
  const configPath = join(dir, 'config.json');
  const logPath = join(dir, 'registry.log');
  // with a `tls` section the registry speaks https (and HTTP/2), with that certificate
  const tls = config.http?.tls as { certificate?: string } | undefined;
  const ca = tls?.certificate ? await readFile(tls.certificate, 'utf8') : undefined;
  for (let attempt = 1; ; attempt++) {
    const host = at ?? `127.0.0.1:${await freePort()}`;
    const url = `${tls ? 'https' : 'http'}://${host}`;
    // JSON is YAML: the registry reads this file as its YAML configuration.
    await writeFile(
      configPath,
      JSON.stringify({ ...config, http: { ...config.http, addr: host } }),
    );
    const log = await open(logPath, 'w');
    const child = spawn('docker-registry', ['serve', configPath], {
      stdio: ['ignore', log.fd, log.fd],
      env: { ...process.env, ...env },
    });
    await log.close();
    children.add(child);
    let end: string | undefined;
    child.once('exit', (code, signal) => {
      children.delete(child);
      end = `exited with ${signal ?? `code ${code}`}`;
    });
    child.once('error', (error) => {
      children.delete(child);
      end = `failed to start (${error.message})`;
    });
    try {
      await waitUntilReady(url, () => end, ca);
      return { url, host, stop: () => stopProcess(child) };
    } catch (error) {
      await stopProcess(child);
      const logText = await readFile(logPath, 'utf8');
      const taken = logText.includes('address already in use');
      if (at === undefined && attempt < PORT_ATTEMPTS && taken) continue;
      throw new Error(
        `${(error as Error).message}\n--- last lines of its log ---\n${tail(logText)}`,
      );
    }
  }
}

/** The media type registry 2.x gives blobs (layers, configs) in its events. */
const BLOB_EVENT_MEDIA_TYPE = 'application/octet-stream';

/**
 * A registry's `notifications` section (a RegistryAddOn's config) that posts its events to
 * regql's `url` (`…/registry-events`) with REGISTRY_EVENTS_TOKEN `token`, as docs/deployment.md shows:
 * pulls are not sent (they change nothing, and each of regql's own reads would cause one), nor
 * blob events (they move no tag); manifest pushes and every delete (it has no media type) are.
 */
export function registryNotifications(url: string, token: string): Record<string, unknown> {
  return {
    notifications: {
      endpoints: [
        {
          name: 'regql',
          url,
          headers: { Authorization: [`Bearer ${token}`] },
          timeout: '2s',
          threshold: 5,
          backoff: '1s',
          ignore: { actions: ['pull'], mediatypes: [BLOB_EVENT_MEDIA_TYPE] },
        },
      ],
    },
  };
}

/** What a startLocalRegistry `prepare` hook adds: configuration sections, and a helper to stop. */
export interface RegistryAddOn {
  /** Top-level sections merged into the configuration, e.g. `auth`; `http` joins the base one. */
  config?: Record<string, unknown>;
  /** Variables added to the registry process's environment, e.g. `GOGC`. */
  env?: Record<string, string>;
  /** Stops what the hook started (a token issuer, say), after the registry and before the folder goes. */
  stop?: () => Promise<void>;
}

/** A registry started by startLocalRegistry. */
export interface LocalRegistry extends RegistryProcess {
  /** Its temporary folder (configuration, log, storage); removed by `stop()`. */
  dir: string;
  /** The storage root inside `dir`. */
  storageDir: string;
  /**
   * Stops the process and starts it again on the same port and storage with `sections` added to
   * its configuration (say, `notifications` once seeding is done); the log starts anew.
   */
  restart(sections: Record<string, unknown>): Promise<void>;
}

/**
 * Starts a registry (deletes enabled; open unless `prepare` adds an `auth` section) on temporary
 * storage in a new folder named after `prefix`. `prepare` may write files into that folder
 * first. `stop()`, like a failed start, stops the add-on and removes the folder.
 */
export async function startLocalRegistry(
  prefix: string,
  prepare?: (dir: string) => Promise<RegistryAddOn>,
): Promise<LocalRegistry> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const storageDir = join(dir, 'storage');
  let addOn: RegistryAddOn = {};
  const cleanUp = async () => {
    await addOn.stop?.();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await mkdir(storageDir);
    addOn = (await prepare?.(dir)) ?? {};
    const base = localRegistryConfig(storageDir);
    // the add-on's `http` settings (say, `tls`) join the base ones (the upload-state secret)
    const http = { ...base.http, ...(addOn.config?.http as Record<string, unknown> | undefined) };
    const config = { ...base, ...addOn.config, http };
    let registry = await startRegistryProcess(dir, config, addOn.env);
    const { url, host } = registry;
    return {
      url,
      host,
      dir,
      storageDir,
      stop: async () => {
        await registry.stop();
        await cleanUp();
      },
      restart: async (sections) => {
        await registry.stop();
        registry = await startRegistryProcess(dir, { ...config, ...sections }, addOn.env, host);
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
