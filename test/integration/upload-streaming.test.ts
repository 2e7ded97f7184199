// Uploads read as streams (src/multipart.ts): a chunk goes on to the registry while the client is
// still sending it, a chunk that turns out too big cancels its upload, and file parts that no
// operation reads are read and dropped, so the connection serves the next request.
import { randomBytes } from 'node:crypto';
import type { ExecutionResult } from 'graphql';
import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { digestOf } from '../../src/registry/digest.js';
import { startServer } from '../../src/server.js';
import {
  CompleteUploadDocument,
  FirstPushStatusDocument,
  StartUploadDocument,
  UploadChunkDocument,
} from '../generated/graphql.js';
import { seeded } from '../support/clients.js';
import { gatewayAt, type TestGateway } from '../support/gateway.js';
import { freshRepository, heldBody, multipartBytes, upstreamCalls } from '../support/multipart.js';
import { startProxy } from '../support/proxy.js';

const { registry } = seeded('open');
const KiB = 1024;

/**
 * A gateway (MAX_CHUNK_BYTES as given) behind a proxy that reports when a PATCH begins to reach
 * the registry, and a fresh upload through it.
 */
async function setUp(maxChunkBytes = 16 * KiB * KiB) {
  let patchBegan = () => {};
  const patching = new Promise<void>((resolve) => {
    patchBegan = resolve;
  });
  const proxy = await startProxy(registry.url, (req) => {
    if (req.method === 'PATCH') patchBegan();
    return { kind: 'forward' };
  });
  const gw = gatewayAt(proxy.url, { READ_ONLY: 'false', MAX_CHUNK_BYTES: String(maxChunkBytes) });
  const repository = freshRepository('streamed');
  const started = await gw.execute(StartUploadDocument, { repository });
  const id = started.data?.startUpload.id ?? '';
  const close = async () => {
    await gw.close();
    await proxy.close();
  };
  return { gw, repository, id, patching, close };
}

/**
 * Sends `blob` as the chunk of an uploadChunk, without a Content-Length: the body up to
 * `heldAt` bytes into the file, and the rest once `gate` resolves.
 */
async function sendHeld(
  gw: TestGateway,
  variables: { repository: string; id: string },
  blob: Buffer,
  heldAt: number,
  gate: Promise<void>,
): Promise<ExecutionResult> {
  const { bytes, contentType } = await multipartBytes(UploadChunkDocument, variables, {
    chunk: new Blob([new Uint8Array(blob)]),
  });
  const at = bytes.indexOf(blob.subarray(heldAt, heldAt + 64));
  expect(at).toBeGreaterThan(0);
  const response = await gw.gateway.yoga.fetch('http://regql.test/graphql', {
    method: 'POST',
    headers: { 'content-type': contentType, accept: 'application/json', 'x-regql-csrf': '1' },
    body: heldBody(bytes, at, gate),
    duplex: 'half',
  } as RequestInit);
  return (await response.json()) as ExecutionResult;
}

describe('a chunk streamed through the gateway', () => {
  it('reaches the registry while the client is still sending it', async () => {
    const { gw, repository, id, patching, close } = await setUp();
    try {
      const blob = randomBytes(512 * KiB);
      // the second half of the file is sent only once the PATCH has begun: a gateway that
      // read the whole request first would wait here for ever
      const answer = await sendHeld(gw, { repository, id }, blob, blob.length / 2, patching);
      expect(answer.errors).toBeUndefined();
      const next = (answer.data as { uploadChunk: { id: string; offset: number } }).uploadChunk;
      expect(next.offset).toBe(blob.length);
      const digest = digestOf(blob);
      const done = await gw.execute(CompleteUploadDocument, { repository, id: next.id, digest });
      expect(done.data?.completeUpload).toMatchObject({ digest, size: blob.length });
      const stored = await fetch(`${registry.url}/v2/${repository}/blobs/${digest}`);
      expect(Buffer.from(await stored.arrayBuffer())).toEqual(blob);
    } finally {
      await close();
    }
  });

  it('cancels the upload when a chunk without Content-Length passes MAX_CHUNK_BYTES as it arrives', async () => {
    const { gw, repository, id, patching, close } = await setUp(64 * KiB);
    try {
      const mark = gw.log.length;
      const blob = randomBytes(256 * KiB);
      const answer = await sendHeld(gw, { repository, id }, blob, 16 * KiB, patching);
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(answer.errors?.[0]?.message).toContain('limit of 65536 bytes');
      // what the registry holds of a cut-off PATCH is useless: the gateway cancels the upload
      // (registry 2.8 may have dropped it already, then the DELETE answers 404)
      const calls = upstreamCalls(gw, mark, repository);
      expect(calls.map((call) => call.split(' ', 2).join(' '))).toEqual([
        'PATCH /blobs/uploads/',
        'DELETE /blobs/uploads/',
      ]);
      const status = await gw.execute(FirstPushStatusDocument, {
        repository,
        id,
        digest: digestOf(blob),
      });
      expect(status.data?.upload).toBeNull();
    } finally {
      await close();
    }
  });
});

describe('file parts no operation reads', () => {
  it('are read and dropped, and the one connection then serves the next request', async () => {
    const server = await startServer(
      loadConfig({ REGISTRY_URL: registry.url, READ_ONLY: 'true', PORT: '0', LOG_LEVEL: 'silent' }),
    );
    // one connection: a request body left unread would leave the next request waiting on it
    const pool = new Pool(server.url, { connections: 1, pipelining: 1 });
    const post = async (contentType: string, body: Buffer | string) => {
      const answer = await pool.request({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': contentType, accept: 'application/json', 'x-regql-csrf': '1' },
        body,
      });
      return { status: answer.statusCode, body: (await answer.body.json()) as ExecutionResult };
    };
    try {
      const repository = freshRepository('unread');
      const file = new Blob([new Uint8Array(randomBytes(4 * KiB * KiB))]);
      const readOnly = await multipartBytes(
        UploadChunkDocument,
        { repository, id: 'x' },
        { chunk: file },
      );
      const first = await post(readOnly.contentType, readOnly.bytes);
      expect(first.body.errors?.[0]?.extensions?.code).toBe('READ_ONLY');
      const invalid = await multipartBytes(
        UploadChunkDocument,
        { repository: 1, id: 'x' },
        { chunk: file },
      );
      const second = await post(invalid.contentType, invalid.bytes);
      expect(second.status).toBe(400);
      expect(second.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      // a file the map does not name goes nowhere; the operation runs without it
      const unmapped = new FormData();
      unmapped.set('operations', JSON.stringify({ query: '{ __typename }' }));
      unmapped.set('map', '{}');
      unmapped.set('0', file, 'unmapped.bin');
      const response = new Response(unmapped);
      const third = await post(
        response.headers.get('content-type') ?? '',
        Buffer.from(await response.arrayBuffer()),
      );
      expect(third.body).toEqual({ data: { __typename: 'Query' } });
      const json = await post('application/json', JSON.stringify({ query: '{ __typename }' }));
      expect(json.body).toEqual({ data: { __typename: 'Query' } });
    } finally {
      await pool.close();
      await server.close();
    }
  });
});
