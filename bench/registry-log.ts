import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { type LocalRegistry, startLocalRegistry } from '../src/demo/registry-process.js';

/** Milliseconds to let the registry write the log lines of requests it has just answered. */
const SETTLE_MS = 50;

/** A combined-log-format request line: `"GET /v2/... HTTP/1.1" 200`. */
const REQUEST_LINE = /"([A-Z]+) (\S+) (HTTP\/[\d.]+)" (\d{3}) /;

/** One request as the registry logged it. */
export interface LoggedRequest {
  method: string;
  path: string;
  /** `HTTP/1.1`, or `HTTP/2.0` for a registry behind TLS that spoke HTTP/2. */
  version: string;
  status: number;
}

/** The registry's access log: what reached the registry, whoever sent it, counted at its side. */
export class RegistryLog {
  constructor(private readonly path: string) {}

  /** The log's current end, to pass to `since`. */
  async mark(): Promise<number> {
    return (await stat(this.path)).size;
  }

  /** The requests logged after `mark` (after a short wait for lines still being written). */
  async since(mark: number): Promise<LoggedRequest[]> {
    await sleep(SETTLE_MS);
    const lines = (await text(createReadStream(this.path, { start: mark }))).split('\n');
    return lines.flatMap((line) => {
      const match = REQUEST_LINE.exec(line);
      if (!match) return [];
      return [{ method: match[1]!, path: match[2]!, version: match[3]!, status: Number(match[4]) }];
    });
  }
}

/**
 * The kind of a registry request: `GET manifest by tag`, `GET manifest by tag (304)` (a
 * conditional GET the registry answered without a body), `HEAD blob by digest`, `GET tags/list`...
 */
function kindOf({ method, path, status }: LoggedRequest): string {
  const route = path.split('?', 1)[0]!;
  if (route === '/v2/_catalog') return `${method} catalog`;
  if (route.endsWith('/tags/list')) return `${method} tags/list`;
  const object = /\/(manifests|blobs)\/([^/]+)$/.exec(route);
  if (object) {
    const what = object[1] === 'manifests' ? 'manifest' : 'blob';
    const by = object[2]!.includes(':') ? 'by digest' : 'by tag';
    return `${method} ${what} ${by}${status === 304 ? ' (304)' : ''}`;
  }
  if (route.includes('/blobs/uploads/')) return `${method} upload`;
  return `${method} ${route}`;
}

/** Requests by kind, plus `repeated`: requests whose method and path came earlier in the list. */
export function breakdown(requests: readonly LoggedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  const seen = new Set<string>();
  let repeated = 0;
  for (const request of requests) {
    const kind = kindOf(request);
    counts[kind] = (counts[kind] ?? 0) + 1;
    const key = `${request.method} ${request.path}`;
    if (seen.has(key)) repeated++;
    seen.add(key);
  }
  return { ...counts, repeated };
}

/**
 * Writes a fresh self-signed certificate for 127.0.0.1 (and its key) into `dir` with openssl:
 * the `http.tls` section of a registry's configuration, which then speaks https and HTTP/2.
 */
async function selfSignedTls(dir: string): Promise<{ certificate: string; key: string }> {
  const tls = { certificate: join(dir, 'certificate.pem'), key: join(dir, 'key.pem') };
  await promisify(execFile)('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    ...['-keyout', tls.key, '-out', tls.certificate],
  ]);
  return tls;
}

/** The certificate a TLS registry was started with: its file, and its PEM text. */
export interface Certificate {
  file: string;
  pem: string;
}

/**
 * Starts the benchmark's registry with its access log on (a RegistryLog counts every request at
 * its side) and `GOGC=400`: at Go's default of 100 the registry spends much of its CPU collecting
 * garbage (the direct fan-out took 1.7x as long here), CPU that the direct clients and the
 * gateway then lack on the same cores. Every scenario meets this same registry. With `tls`, it
 * speaks https (and HTTP/2) with a fresh self-signed certificate, whose file and PEM text `ca`
 * gives.
 */
export async function startBenchRegistry(
  prefix: string,
  tls = false,
): Promise<{ registry: LocalRegistry; log: RegistryLog; ca?: Certificate }> {
  let certificate: string | undefined;
  const registry = await startLocalRegistry(prefix, async (dir) => {
    const http = tls ? { tls: await selfSignedTls(dir) } : {};
    certificate = http.tls?.certificate;
    return {
      config: { http, log: { level: 'warn', accesslog: { disabled: false } } },
      env: { GOGC: '400' },
    };
  });
  const log = new RegistryLog(join(registry.dir, 'registry.log'));
  if (!certificate) return { registry, log };
  return { registry, log, ca: { file: certificate, pem: await readFile(certificate, 'utf8') } };
}
