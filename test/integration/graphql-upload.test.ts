import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildLayer } from '../../src/demo/images.js';
import { digestOf } from '../../src/registry/digest.js';
import { OCI_MANIFEST } from '../../src/registry/media-types.js';
import {
  BlobDocument,
  CancelUploadDocument,
  CompleteUploadDocument,
  FirstPushStatusDocument,
  MountBlobDocument,
  PutManifestDocument,
  StartUploadDocument,
  UploadBlobDocument,
  UploadChunkDocument,
  UploadStatusDocument,
} from '../generated/graphql.js';
import { pushImage, skopeoCopyToOci, skopeoInspect } from '../harness/fixtures.js';
import { clientFor, seeded } from '../support/clients.js';
import { gatewayFor, type TestGateway } from '../support/gateway.js';
import {
  codeWithoutUpstream,
  freshRepository,
  multipartThrough,
  upstreamCalls,
} from '../support/multipart.js';

const { registry } = seeded('open');
const gw = gatewayFor('open', { READ_ONLY: 'false' });
const send = multipartThrough(gw);
const direct = clientFor('open').client;
afterAll(async () => {
  await gw.close();
  await direct.connection.close();
});

/**
 * A repository with a tag, for tests that read `repository { upload, blob }`: regql answers
 * `repository: null` for a repository without tags (see the first-push test).
 */
let tagged = '';
beforeAll(async () => {
  tagged = freshRepository('uploads');
  await pushImage(registry, tagged, 'v1');
});

/** The bytes the registry serves for a blob, read over plain HTTP; null when it has none. */
async function storedBlob(repository: string, digest: string): Promise<Buffer | null> {
  const response = await fetch(`${registry.url}/v2/${repository}/blobs/${digest}`);
  if (response.status === 404) return null;
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

/** Bytes as a multipart file part (copied: Blob wants bytes of a plain ArrayBuffer). */
function asFile(bytes: Uint8Array): Blob {
  return new Blob([new Uint8Array(bytes)]);
}

/** Starts an upload through `g` and returns its first id (checking the answer). */
async function start(g: TestGateway, repository: string): Promise<string> {
  const { data, errors } = await g.execute(StartUploadDocument, { repository });
  expect(errors).toBeUndefined();
  expect(data?.startUpload).toMatchObject({ offset: 0, repository: { name: repository } });
  return data?.startUpload.id ?? '';
}

/** Appends a chunk; returns the answer's new id and offset. */
async function append(repository: string, id: string, bytes: Uint8Array) {
  const { data, errors } = await send(
    UploadChunkDocument,
    { repository, id },
    { chunk: asFile(bytes) },
  );
  expect(errors).toBeUndefined();
  return { id: data?.uploadChunk.id ?? '', offset: data?.uploadChunk.offset };
}

/** The upload's status by id: `{ id, offset }`, or null once the registry no longer knows it. */
async function status(repository: string, id: string) {
  const { data, errors } = await gw.execute(UploadStatusDocument, { repository, id });
  expect(errors).toBeUndefined();
  expect(data?.repository).not.toBeNull();
  return data?.repository?.upload ?? null;
}

describe('chunked uploads', () => {
  it('appends chunks (each answer a new id and the new offset) and completes with a last chunk', async () => {
    const repository = tagged;
    const blob = randomBytes(5_000);
    const digest = digestOf(blob);
    const mark = gw.log.length;
    const first = await start(gw, repository);
    const one = await append(repository, first, blob.subarray(0, 2_000));
    expect(one.offset).toBe(2_000);
    expect(one.id).not.toBe(first);
    const two = await append(repository, one.id, blob.subarray(2_000, 3_500));
    expect(two.offset).toBe(3_500);
    expect(two.id).not.toBe(one.id);
    expect((await status(repository, two.id))?.offset).toBe(3_500);
    const done = await send(
      CompleteUploadDocument,
      { repository, id: two.id, digest },
      { chunk: asFile(blob.subarray(3_500)) },
    );
    expect(done).toEqual({
      data: { completeUpload: { digest, size: blob.length, repository: { name: repository } } },
    });
    expect(upstreamCalls(gw, mark, repository)).toEqual(
      expect.arrayContaining([
        'POST /blobs/uploads/ 202',
        'PATCH /blobs/uploads/ 202',
        'PUT /blobs/uploads/ 201',
      ]),
    );
    expect(await storedBlob(repository, digest)).toEqual(blob);
    const read = await gw.execute(BlobDocument, { repository, digest });
    expect(read.data?.repository?.blob?.size).toBe(blob.length);
    // finished: every id of the upload is gone, and there is nothing to cancel
    for (const id of [first, one.id, two.id]) expect(await status(repository, id)).toBeNull();
    const cancelled = await gw.execute(CancelUploadDocument, { repository, id: two.id });
    expect(cancelled).toEqual({ data: { cancelUpload: false } });
  });

  it('resumes after a lost answer: an old id still reaches the upload at its newest offset', async () => {
    const repository = tagged;
    const blob = randomBytes(4_000);
    const first = await start(gw, repository);
    await append(repository, first, blob.subarray(0, 1_500)); // this answer is "lost"
    const resumed = await status(repository, first);
    expect(resumed?.offset).toBe(1_500);
    expect(resumed?.id).not.toBe(first);
    const next = await append(repository, first, blob.subarray(1_500));
    expect(next.offset).toBe(blob.length);
    const digest = digestOf(blob);
    const done = await gw.execute(CompleteUploadDocument, { repository, id: first, digest });
    expect(done).toEqual({
      data: { completeUpload: { digest, size: blob.length, repository: { name: repository } } },
    });
    expect(await storedBlob(repository, digest)).toEqual(blob);
  });

  it('refuses to complete with a wrong digest: INTEGRITY_ERROR, and no blob', async () => {
    const repository = freshRepository('wrong-digest');
    const blob = randomBytes(1_000);
    const { id } = await append(repository, await start(gw, repository), blob);
    const wrong = digestOf(randomBytes(1_000));
    const { errors } = await gw.execute(CompleteUploadDocument, { repository, id, digest: wrong });
    expect(errors?.[0]?.extensions?.code).toBe('INTEGRITY_ERROR');
    expect(await storedBlob(repository, wrong)).toBeNull();
    expect(await storedBlob(repository, digestOf(blob))).toBeNull();
  });

  it('cancels: true, then the upload is gone and no blob exists; cancelling again is false', async () => {
    const repository = tagged;
    const blob = randomBytes(1_000);
    const first = await start(gw, repository);
    const { id } = await append(repository, first, blob);
    const mark = gw.log.length;
    expect(await gw.execute(CancelUploadDocument, { repository, id })).toEqual({
      data: { cancelUpload: true },
    });
    expect(upstreamCalls(gw, mark, repository)).toContain('DELETE /blobs/uploads/ 204');
    expect(await status(repository, id)).toBeNull();
    expect(await status(repository, first)).toBeNull();
    for (const again of [id, first]) {
      const answer = await gw.execute(CancelUploadDocument, { repository, id: again });
      expect(answer).toEqual({ data: { cancelUpload: false } });
    }
    expect(await storedBlob(repository, digestOf(blob))).toBeNull();
  });

  it('refuses a chunk over MAX_CHUNK_BYTES with BAD_USER_INPUT, before any PATCH', async () => {
    const small = gatewayFor('open', { READ_ONLY: 'false', MAX_CHUNK_BYTES: '1024' });
    const sendSmall = multipartThrough(small);
    try {
      const repository = tagged;
      const id = await start(small, repository);
      const mark = small.log.length;
      const chunk = asFile(randomBytes(2048));
      const { errors } = await sendSmall(UploadChunkDocument, { repository, id }, { chunk });
      expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(
        upstreamCalls(small, mark, repository).filter((call) => call.startsWith('PATCH ')),
      ).toEqual([]);
      expect((await status(repository, id))?.offset).toBe(0);
      // a chunk at the limit goes through
      const fits = await sendSmall(
        UploadChunkDocument,
        { repository, id },
        { chunk: asFile(randomBytes(1024)) },
      );
      expect(fits.data?.uploadChunk.offset).toBe(1024);
    } finally {
      await small.close();
    }
  });
});

describe('a first push, into a repository without tags', () => {
  it('reports the upload and then the blob through the root fields', async () => {
    const repository = freshRepository('first-push');
    const blob = randomBytes(1_000);
    const digest = digestOf(blob);
    const { id } = await append(repository, await start(gw, repository), blob);
    const during = await gw.execute(FirstPushStatusDocument, { repository, id, digest });
    expect(during.errors).toBeUndefined();
    // no tags yet: the registry does not list the repository, but the upload is there
    expect(during.data).toMatchObject({
      upload: { offset: blob.length },
      blob: null,
      repository: null,
    });
    const done = await gw.execute(CompleteUploadDocument, { repository, id, digest });
    expect(done.errors).toBeUndefined();
    const after = await gw.execute(FirstPushStatusDocument, { repository, id, digest });
    expect(after.data).toMatchObject({ upload: null, blob: { digest, size: blob.length } });
  });
});

describe('uploadBlob', () => {
  it.each([
    ['computes the digest when none is given', false],
    ['takes a matching digest', true],
  ])('%s', async (_name, withDigest) => {
    const repository = freshRepository('one-shot');
    const blob = randomBytes(10_000);
    const digest = digestOf(blob);
    const variables = withDigest ? { repository, digest } : { repository };
    const { data, errors } = await send(UploadBlobDocument, variables, { file: asFile(blob) });
    expect(errors).toBeUndefined();
    expect(data?.uploadBlob).toEqual({
      digest,
      size: blob.length,
      repository: { name: repository },
    });
    expect(await storedBlob(repository, digest)).toEqual(blob);
  });

  it('refuses content that does not match the given digest: INTEGRITY_ERROR, session cancelled, no blob', async () => {
    const repository = freshRepository('one-shot-wrong');
    const blob = randomBytes(10_000);
    const wrong = digestOf(randomBytes(16));
    const mark = gw.log.length;
    const { errors } = await send(
      UploadBlobDocument,
      { repository, digest: wrong },
      { file: asFile(blob) },
    );
    expect(errors?.[0]?.extensions?.code).toBe('INTEGRITY_ERROR');
    expect(upstreamCalls(gw, mark, repository)).toContain('DELETE /blobs/uploads/ 204');
    expect(await storedBlob(repository, wrong)).toBeNull();
    expect(await storedBlob(repository, digestOf(blob))).toBeNull();
  });
});

describe('mountBlob', () => {
  it('mounts a blob from another repository', async () => {
    const from = freshRepository('mount-source');
    const repository = freshRepository('mount-target');
    const blob = randomBytes(3_000);
    const digest = await direct.uploads.upload(from, blob);
    const mark = gw.log.length;
    const { data, errors } = await gw.execute(MountBlobDocument, { repository, digest, from });
    expect(errors).toBeUndefined();
    expect(data?.mountBlob).toEqual({
      digest,
      size: blob.length,
      repository: { name: repository },
    });
    const calls = upstreamCalls(gw, mark, repository);
    expect(calls).toContain('POST /blobs/uploads/ 201');
    expect(calls.filter((call) => /^(PATCH|PUT) /.test(call))).toEqual([]);
    expect(await storedBlob(repository, digest)).toEqual(blob);
  });

  it('answers NOT_FOUND for a digest the source lacks, and leaves nothing behind', async () => {
    const from = freshRepository('mount-empty-source');
    await direct.uploads.upload(from, randomBytes(100));
    const repository = freshRepository('mount-nothing');
    const digest = digestOf(randomBytes(16));
    const mark = gw.log.length;
    const { errors } = await gw.execute(MountBlobDocument, { repository, digest, from });
    expect(errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // registry 2.8 opens an upload session when it cannot mount: it must be cancelled
    expect(upstreamCalls(gw, mark, repository)).toEqual(
      expect.arrayContaining(['POST /blobs/uploads/ 202', 'DELETE /blobs/uploads/ 204']),
    );
    expect(await storedBlob(repository, digest)).toBeNull();
  });
});

describe('uploads and the read-only gateway, and upload ids', () => {
  const readOnly = gatewayFor('open');
  const sendReadOnly = multipartThrough(readOnly);
  afterAll(() => readOnly.close());
  const chunk = asFile(randomBytes(100));
  const digest = digestOf(randomBytes(16));

  it('refuses every upload mutation with READ_ONLY, without an upstream call', async () => {
    const repository = tagged;
    const id = await start(gw, repository);
    const attempts: [string, () => Promise<ExecutionResult<unknown>>][] = [
      ['uploadChunk', () => sendReadOnly(UploadChunkDocument, { repository, id }, { chunk })],
      [
        'completeUpload',
        () => sendReadOnly(CompleteUploadDocument, { repository, id, digest }, { chunk }),
      ],
      ['cancelUpload', () => readOnly.execute(CancelUploadDocument, { repository, id })],
      ['uploadBlob', () => sendReadOnly(UploadBlobDocument, { repository }, { file: chunk })],
    ];
    for (const [name, attempt] of attempts) {
      expect([name, await codeWithoutUpstream(readOnly, attempt)]).toEqual([name, 'READ_ONLY']);
    }
    expect((await status(repository, id))?.offset).toBe(0);
    expect(await gw.execute(CancelUploadDocument, { repository, id })).toEqual({
      data: { cancelUpload: true },
    });
  });

  it('refuses malformed ids, ids of another repository, and a chunk that is not a file, with BAD_USER_INPUT', async () => {
    const repository = freshRepository('upload-ids');
    const other = await start(gw, freshRepository('upload-elsewhere'));
    const attempts: [string, () => Promise<ExecutionResult<unknown>>][] = [
      [
        'a malformed id to uploadChunk',
        () => send(UploadChunkDocument, { repository, id: 'nope' }, { chunk }),
      ],
      [
        'a malformed id to completeUpload',
        () => gw.execute(CompleteUploadDocument, { repository, id: 'nope', digest }),
      ],
      [
        'a malformed id to cancelUpload',
        () => gw.execute(CancelUploadDocument, { repository, id: 'nope' }),
      ],
      [
        'an id of another repository',
        () => send(UploadChunkDocument, { repository, id: other }, { chunk }),
      ],
      [
        'a string as the chunk',
        () =>
          gw.execute(UploadChunkDocument, {
            repository,
            id: other,
            chunk: 'bytes' as unknown as File,
          }),
      ],
    ];
    for (const [name, attempt] of attempts) {
      expect([name, await codeWithoutUpstream(gw, attempt)]).toEqual([name, 'BAD_USER_INPUT']);
    }
    // the query first reads the repository's tags, then refuses the id
    for (const id of ['nope', other]) {
      const { errors } = await gw.execute(UploadStatusDocument, { repository: tagged, id });
      expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('round trip', () => {
  it('an image uploaded only through regql (uploadBlob, chunked upload, putManifest) is what skopeo reads', async () => {
    const repository = freshRepository('round-trip');
    const layer = await buildLayer({
      'data/random.bin': randomBytes(200_000),
      'etc/motd': 'made by regql\n',
    });
    const image = buildImage({
      created: '2024-01-01T00:00:00Z',
      cmd: ['/bin/true'],
      steps: [{ createdBy: 'COPY data /data', layer }],
    });
    const [config, layerBlob] = image.blobs;
    if (!config || !layerBlob) throw new Error('buildImage made no config or layer');

    const uploaded = await send(
      UploadBlobDocument,
      { repository, digest: config.descriptor.digest },
      { file: asFile(config.bytes) },
    );
    expect(uploaded.data?.uploadBlob.digest).toBe(config.descriptor.digest);

    let id = await start(gw, repository);
    const third = Math.ceil(layer.bytes.length / 3);
    for (const offset of [0, third]) {
      ({ id } = await append(repository, id, layer.bytes.subarray(offset, offset + third)));
    }
    const completed = await send(
      CompleteUploadDocument,
      { repository, id, digest: layer.digest },
      { chunk: asFile(layer.bytes.subarray(2 * third)) },
    );
    expect(completed.data?.completeUpload).toMatchObject({
      digest: layer.digest,
      size: layer.bytes.length,
    });

    const manifest = Buffer.from(image.manifest.bytes).toString('utf8');
    const put = await gw.execute(PutManifestDocument, { repository, reference: 'v1', manifest });
    expect(put.errors).toBeUndefined();
    expect(put.data?.putManifest).toMatchObject({
      __typename: 'ImageManifest',
      mediaType: OCI_MANIFEST,
      digest: image.manifest.descriptor.digest,
    });

    const dir = await mkdtemp(join(tmpdir(), 'regql-round-trip-'));
    try {
      expect(await skopeoCopyToOci(registry, `${repository}:v1`, join(dir, 'image'))).toBe(
        put.data?.putManifest.digest,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(await skopeoInspect(registry, `${repository}:v1`)).toEqual({
      digest: put.data?.putManifest.digest,
      layers: [layer.digest],
    });
  });
});
