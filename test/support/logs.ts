import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/observability.js';

/** The gateway's own logger (its redaction included) at `info`, its JSON lines parsed into `lines`. */
export function capturedLogger(lines: Record<string, unknown>[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return createLogger('info', sink);
}

/** A gateway for the registry at `url` (and extra settings) whose log lines are parsed into `lines`. */
export function loggedGateway(
  url: string,
  env: Record<string, string> = {},
): { gateway: Gateway; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const config = loadConfig({ REGISTRY_URL: url, ...env });
  return { gateway: createGateway(config, { logger: capturedLogger(lines) }), lines };
}
