import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { Pool } from 'undici';
import { ROOT } from './child.js';
import { type Bench, type Mode, progress } from './common.js';
import { postGraphql, postGraphqlFile } from './graphql.js';
import { type Measured, measureRounds, timed } from './measure.js';
import { millis, type Row, row, times } from './report.js';

/** Bytes in a MiB. */
export const MiB = 1024 * 1024;

/** Chunk size of both uploads: regql's default MAX_CHUNK_BYTES. */
const CHUNK_BYTES = 16 * MiB;

/** Where the uploads go. */
const UPLOAD_REPOSITORY = 'upload/blob';

/** How long a gateway process may take to start. */
const START_TIMEOUT_MS = 60_000;

/** A blob generated chunk by chunk (never whole in memory), with its digest. */
export interface UploadData {
  size: number;
  digest: string;
  /** The blob's chunks, each generated when asked for. */
  chunks(): Generator<Buffer<ArrayBuffer>>;
}

/** `size` bytes of incompressible data: one random chunk, stamped with each chunk's index. */
export function uploadData(size: number): UploadData {
  const pattern = randomBytes(Math.min(CHUNK_BYTES, size));
  function* chunks(): Generator<Buffer<ArrayBuffer>> {
    for (let offset = 0, index = 0; offset < size; offset += CHUNK_BYTES, index++) {
      const chunk = Buffer.from(pattern.subarray(0, Math.min(CHUNK_BYTES, size - offset)));
      chunk.writeUInt32BE(index, 0);
      yield chunk;
    }
  }
  const hash = createHash('sha256');
  for (const chunk of chunks()) hash.update(chunk);
  return { size, digest: `sha256:${hash.digest('hex')}`, chunks };
}

/** A gateway process (`node … --import tsx src/main.ts`) with mutations enabled. */
export interface GatewayProcess {
  /** Its GraphQL endpoint. */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts a gateway process in front of `registryUrl` on a free port, once it says where it
 * listens. It runs with this process's Node.js flags: under `npm run bench`, those `npm start`
 * gives the gateway (`--max-semi-space-size`) and tsx.
 */
export async function startGatewayProcess(registryUrl: string): Promise<GatewayProcess> {
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, 'src/main.ts'], {
    cwd: ROOT,
    // at `info` it logs the line that says where it listens
    env: {
      ...process.env,
      REGISTRY_URL: registryUrl,
      READ_ONLY: 'false',
      PORT: '0',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const kill = () => child.kill('SIGKILL');
  process.on('exit', kill); // never leave a gateway behind
  let output = '';
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the gateway did not start')),
      START_TIMEOUT_MS,
    );
    child.stdout?.on('data', (data) => {
      output += data;
      // the startup line names the URL (as text, or in a JSON log line)
      const match = /(http:\/\/[^\s"]+\/graphql)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited with ${code}: ${output}`)));
  });
  const url = await listening.catch((error: unknown) => {
    kill();
    throw error;
  });
  return {
    url,
    pid: child.pid ?? 0,
    stop: async () => {
      process.off('exit', kill);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Peak resident set size of a process (`VmHWM` of /proc/<pid>/status), in bytes. */
export async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

const START = `mutation Start($repository: String!) { startUpload(repository: $repository) { id } }`;
const CHUNK = `mutation Chunk($repository: String!, $id: String!, $chunk: File!) {
  uploadChunk(repository: $repository, id: $id, chunk: $chunk) { id offset }
}`;
const COMPLETE = `mutation Complete($repository: String!, $id: String!, $digest: Digest!) {
  completeUpload(repository: $repository, id: $id, digest: $digest) { digest size }
}`;

/** Uploads `data` through a gateway: startUpload, one uploadChunk per chunk, completeUpload. */
export async function uploadThroughRegql(
  gatewayUrl: string,
  repository: string,
  data: UploadData,
): Promise<void> {
  const started = await postGraphql<{ startUpload: { id: string } }>(gatewayUrl, START, {
    repository,
  });
  let id = started.startUpload.id;
  for (const chunk of data.chunks()) {
    const answer = await postGraphqlFile<{ uploadChunk: { id: string } }>(
      gatewayUrl,
      CHUNK,
      { repository, id },
      'chunk',
      chunk,
    );
    id = answer.uploadChunk.id;
  }
  const done = await postGraphql<{ completeUpload: { digest: string; size: number } }>(
    gatewayUrl,
    COMPLETE,
    { repository, id, digest: data.digest },
  );
  if (done.completeUpload.size !== data.size) throw new Error('regql stored another size');
}

/**
 * Uploads `data` straight to the registry: POST, one PATCH per chunk, PUT with the digest; over
 * one connection, or as `options` say (TLS, HTTP/2).
 */
export async function uploadDirectly(
  registryUrl: string,
  repository: string,
  data: UploadData,
  options: Pool.Options = { connections: 1 },
): Promise<void> {
  const pool = new Pool(registryUrl, options);
  const send = async (
    method: 'POST' | 'PATCH' | 'PUT',
    path: string,
    expect: number,
    headers: Record<string, string> = {},
    body?: Buffer,
  ): Promise<string> => {
    const answer = await pool.request({ method, path, headers, body });
    await answer.body.dump();
    if (answer.statusCode !== expect) throw new Error(`${method} answered ${answer.statusCode}`);
    const url = new URL(String(answer.headers.location ?? ''), registryUrl);
    return url.pathname + url.search;
  };
  try {
    let location = await send('POST', `/v2/${repository}/blobs/uploads/`, 202, {
      'content-length': '0',
    });
    let offset = 0;
    for (const chunk of data.chunks()) {
      location = await send(
        'PATCH',
        location,
        202,
        {
          'content-type': 'application/octet-stream',
          'content-range': `${offset}-${offset + chunk.length - 1}`,
        },
        chunk,
      );
      offset += chunk.length;
    }
    const separator = location.includes('?') ? '&' : '?';
    await send('PUT', `${location}${separator}digest=${data.digest}`, 201, {
      'content-length': '0',
    });
  } finally {
    await pool.close();
  }
}

/** Scenario 7 in one mode. */
export interface Upload {
  direct: Measured;
  regql: Measured;
  /** Peak RSS of the gateway process after a small warm-up upload, and its growth since. */
  rssBefore: number;
  rssGrowth: number;
}

/**
 * Scenario 7: direct uploads and uploads through a fresh gateway process, of the same blob, in
 * turns.
 */
export async function uploads(
  bench: Pick<Bench, 'settings' | 'log'>,
  mode: Mode,
  data: UploadData,
): Promise<Upload> {
  const gateway = await startGatewayProcess(mode.url);
  try {
    await uploadThroughRegql(gateway.url, UPLOAD_REPOSITORY, uploadData(MiB));
    const rssBefore = await peakRss(gateway.pid);
    const { direct, regql } = await measureRounds(bench.log, bench.settings.runs, {
      direct: () => timed(() => uploadDirectly(mode.url, UPLOAD_REPOSITORY, data)),
      regql: () => timed(() => uploadThroughRegql(gateway.url, UPLOAD_REPOSITORY, data)),
    });
    const rssGrowth = (await peakRss(gateway.pid)) - rssBefore;
    progress(
      `${mode.name}: upload direct ${millis(direct.median.ms)}, through regql ${millis(regql.median.ms)}`,
    );
    return { direct, regql, rssBefore, rssGrowth };
  } finally {
    await gateway.stop();
  }
}

/** The table rows of scenario 7 in one mode. */
export function uploadRows(mode: Mode, u: Upload, data: UploadData): Row[] {
  const rate = (m: Measured) => data.size / MiB / (m.median.ms / 1000);
  const ratio = rate(u.regql) / rate(u.direct);
  const size = `${data.size / MiB} MiB`;
  const growth = u.rssGrowth / MiB;
  const mibPerSecond = (m: Measured) => `${Math.round(rate(m))} MiB/s`;
  return [
    row(
      mode,
      `7 upload ${size}, direct PATCH/PUT`,
      mibPerSecond(u.direct),
      u.direct.median.requests,
      'baseline',
    ),
    row(
      mode,
      `7 upload ${size} through regql, multipart`,
      mibPerSecond(u.regql),
      u.regql.median.requests,
      `${times(ratio)} direct`,
      '≥ 0.70×',
      ratio >= 0.7,
    ),
    row(
      mode,
      '7   gateway peak RSS growth',
      `${growth.toFixed(1)} MiB`,
      '',
      `from ${(u.rssBefore / MiB).toFixed(0)} MiB`,
      '< 100 MiB',
      growth < 100,
    ),
  ];
}
