import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type ExecutionResult, print } from 'graphql';
import { freePort, own } from './child-process.js';
import type { TestGateway } from './gateway.js';
import { type SeenRequest, startProxy } from './proxy.js';

/** Longest a gateway process may take to answer its first query. */
const START_TIMEOUT_MS = 60_000;

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A gateway in its own process (`node --import tsx src/main.ts`), reaching the registry through
 * its own proxy, which counts what it asks upstream. Two of these share nothing but what their
 * environment points both at (Redis, say).
 */
export interface GatewayProcess extends Pick<TestGateway, 'execute'> {
  /** The GraphQL endpoint. */
  url: string;
  /** Every request the gateway sent the registry, in order (token requests go elsewhere). */
  upstream: SeenRequest[];
  /** What the process printed (at LOG_LEVEL=warn unless `env` says otherwise). */
  output(): string;
  /** Stops the process and its proxy. */
  stop(): Promise<void>;
}

/** Starts a gateway process for the registry at `registryUrl`, with extra environment settings. */
export async function startGatewayProcess(
  registryUrl: string,
  env: Record<string, string> = {},
): Promise<GatewayProcess> {
  const proxy = await startProxy(registryUrl);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  // node itself runs the server (no npx wrapper), so SIGTERM reaches it
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      ...env,
      REGISTRY_URL: proxy.url,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const owned = own(child);
  const stop = async () => {
    await owned.stop();
    await proxy.close();
  };
  const post = (query: string, variables?: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
  const execute: GatewayProcess['execute'] = async (document, variables, headers) => {
    const response = await post(print(document), variables, headers);
    return (await response.json()) as ExecutionResult<never>;
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const answered = await post('{ __typename }').then(
      (response) => response.ok,
      () => false,
    );
    if (answered) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the gateway process did not start:\n${owned.output().trim()}`);
    }
    await sleep(100);
  }
  return { url, upstream: proxy.seen, execute, output: owned.output, stop };
}
