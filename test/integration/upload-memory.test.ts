import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/demo/registry-process.js';
import { digestOf } from '../../src/registry/digest.js';
import {
  CompleteUploadDocument,
  StartUploadDocument,
  UploadBlobDocument,
  UploadChunkDocument,
} from '../generated/graphql.js';
import { seeded } from '../support/clients.js';
import { executeMultipart, freshRepository } from '../support/multipart.js';

const MiB = 1024 * 1024;
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Peak resident set size of a process in bytes (`VmHWM` of /proc/<pid>/status). */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = status.match(/^VmHWM:\s+(\d+) kB$/m)?.[1];
  if (kib === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

describe('upload memory of a gateway process', () => {
  const { registry } = seeded('open');
  let child: ChildProcess;
  let output = '';
  let url = '';

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/graphql`;
    // node itself runs the server (no `npx tsx` wrapper), so child.pid is the server's pid
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        REGISTRY_URL: registry.url,
        READ_ONLY: 'false',
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr])
      stream?.on('data', (data) => {
        output += data;
      });
    const probe = `${url}?query=${encodeURIComponent('{ __typename }')}`;
    for (const deadline = Date.now() + 60_000; ; await sleep(200)) {
      if (child.exitCode !== null)
        throw new Error(`the gateway exited with ${child.exitCode}: ${output}`);
      if (
        await fetch(probe, { headers: { 'x-regql-csrf': '1' } }).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (Date.now() > deadline)
        throw new Error(`the gateway did not answer within 60 s: ${output}`);
    }
  });

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('uploads 64 MiB in 16 MiB chunks with peak RSS growing by less than 100 MiB', async () => {
    const pid = child.pid ?? 0;
    const repository = freshRepository('memory');
    const warmUp = await executeMultipart(
      fetch,
      url,
      UploadBlobDocument,
      { repository },
      { file: new Blob([randomBytes(1024)]) },
    );
    expect(warmUp.errors).toBeUndefined();
    const before = await peakRss(pid);

    const blob = randomBytes(64 * MiB);
    const started = await executeMultipart(fetch, url, StartUploadDocument, { repository }, {});
    let id = started.data?.startUpload.id ?? '';
    for (let offset = 0; offset < blob.length; offset += 16 * MiB) {
      const chunk = new Blob([blob.subarray(offset, offset + 16 * MiB)]);
      const { data, errors } = await executeMultipart(
        fetch,
        url,
        UploadChunkDocument,
        { repository, id },
        { chunk },
      );
      expect(errors).toBeUndefined();
      expect(data?.uploadChunk.offset).toBe(offset + 16 * MiB);
      id = data?.uploadChunk.id ?? '';
    }
    const digest = digestOf(blob);
    const done = await executeMultipart(
      fetch,
      url,
      CompleteUploadDocument,
      { repository, id, digest },
      {},
    );
    expect(done.data?.completeUpload).toMatchObject({ digest, size: blob.length });

    const growth = (await peakRss(pid)) - before;
    console.info(
      `gateway peak RSS: ${(before / MiB).toFixed(1)} MiB before, grew ${(growth / MiB).toFixed(1)} MiB`,
    );
    expect(growth).toBeLessThan(100 * MiB);
  });
});
