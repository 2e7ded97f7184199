import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_USERS } from './auth.js';
import { run } from './exec.js';
import { startTokenIssuer, TOKEN_ISSUER, type TokenIssuer } from './token-issuer.js';
import type { RegistryFlavour, RegistryInfo } from './types.js';

/** Service name of the token registry (the tokens' audience). */
const TOKEN_SERVICE = 'regql-test-registry';

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

/** A registry process started by startRegistry. */
export interface RunningRegistry {
  /** Plain description of it, for tests. */
  info: RegistryInfo;
  /** Kills the process (and its token issuer) and removes its temporary folder. */
  stop(): Promise<void>;
}

/** Options of startRegistry. */
export interface StartRegistryOptions {
  /** Token flavour: lifetime of issued tokens in seconds (default 300). */
  tokenExpiresIn?: number;
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

/** Polls `GET /v2/` until it answers 200 or 401; throws if the process ends or time runs out. */
async function waitUntilReady(url: string, ended: () => string | undefined): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const end = ended();
    if (end !== undefined) throw new Error(`docker-registry ${end} before answering ${url}/v2/`);
    try {
      const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`docker-registry did not answer ${url}/v2/ within ${READY_TIMEOUT_MS} ms`);
}

/** The last lines of a log text. */
function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Starts `docker-registry serve` with `configFor(addr)` on a free port; retries if the port was taken. */
async function spawnRegistry(
  dir: string,
  configFor: (addr: string) => Record<string, unknown>,
): Promise<{ child: ChildProcess; port: number }> {
  const configPath = join(dir, 'config.json');
  const logPath = join(dir, 'registry.log');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // JSON is YAML: the registry reads this file as its YAML configuration.
    await writeFile(configPath, JSON.stringify(configFor(`127.0.0.1:${port}`)));
    const log = await open(logPath, 'w');
    const child = spawn('docker-registry', ['serve', configPath], {
      stdio: ['ignore', log.fd, log.fd],
    });
    await log.close();
    children.add(child);
    let end: string | undefined;
    child.once('exit', (code, signal) => {
      children.delete(child);
      end = `exited with ${signal ?? `code ${code}`}`;
    });
    child.once('error', (error) => {
      end = `failed to start (${error.message})`;
    });
    try {
      await waitUntilReady(`http://127.0.0.1:${port}`, () => end);
      return { child, port };
    } catch (error) {
      await stopProcess(child);
      const logText = await readFile(logPath, 'utf8');
      if (attempt < PORT_ATTEMPTS && logText.includes('address already in use')) continue;
      throw new Error(
        `${(error as Error).message}\n--- last lines of its log ---\n${tail(logText)}`,
      );
    }
  }
}

/** The `auth` section for `flavour`, writing the htpasswd file or starting the token issuer. */
async function authSection(
  flavour: RegistryFlavour,
  dir: string,
  options: StartRegistryOptions,
): Promise<{ auth?: Record<string, unknown>; issuer?: TokenIssuer }> {
  switch (flavour) {
    case 'open':
      return {};
    case 'basic': {
      const path = join(dir, 'htpasswd');
      const entries = await Promise.all(
        Object.entries(TEST_USERS).map(([user, password]) =>
          run('htpasswd', ['-Bbn', user, password]),
        ),
      );
      await writeFile(path, entries.map((entry) => entry.toString().trim()).join('\n'));
      return { auth: { htpasswd: { realm: 'regql-test', path } } };
    }
    case 'token': {
      const issuer = await startTokenIssuer({
        dir,
        service: TOKEN_SERVICE,
        users: TEST_USERS,
        expiresIn: options.tokenExpiresIn,
      });
      const token = {
        realm: issuer.realm,
        service: TOKEN_SERVICE,
        issuer: TOKEN_ISSUER,
        rootcertbundle: issuer.certificatePath,
      };
      return { auth: { token }, issuer };
    }
  }
}

/** Starts a real `docker-registry` of the given flavour on a free loopback port with fresh storage. */
export async function startRegistry(
  flavour: RegistryFlavour,
  options: StartRegistryOptions = {},
): Promise<RunningRegistry> {
  const dir = await mkdtemp(join(tmpdir(), `regql-registry-${flavour}-`));
  const storageDir = join(dir, 'storage');
  let issuer: TokenIssuer | undefined;
  const cleanUp = async () => {
    await issuer?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await mkdir(storageDir);
    const section = await authSection(flavour, dir, options);
    issuer = section.issuer;
    const secret = randomBytes(16).toString('hex');
    const { child, port } = await spawnRegistry(dir, (addr) => ({
      version: '0.1',
      log: { level: 'warn', accesslog: { disabled: true } },
      storage: {
        filesystem: { rootdirectory: storageDir },
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: { addr, secret },
      ...(section.auth && { auth: section.auth }),
    }));
    const host = `127.0.0.1:${port}`;
    const info: RegistryInfo = {
      flavour,
      url: `http://${host}`,
      host,
      storageDir,
      users: flavour === 'open' ? {} : { ...TEST_USERS },
      ...(issuer && { tokenRealm: issuer.realm, service: TOKEN_SERVICE }),
    };
    return {
      info,
      stop: async () => {
        await stopProcess(child);
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
