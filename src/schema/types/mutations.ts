import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Context } from '../../context.js';
import { orNull } from '../../loaders/index.js';
import type { FilePart } from '../../multipart.js';
import { digestOf } from '../../registry/digest.js';
import { isRegistryError, RegistryError } from '../../registry/errors.js';
import {
  type Manifest,
  manifestDescriptors,
  manifestDigestInput,
  parseManifest,
} from '../../registry/manifest.js';
import { isManifestMediaType, OCI_INDEX } from '../../registry/media-types.js';
import {
  isDigest,
  validateReference,
  validateRepository,
  validateTag,
} from '../../registry/reference.js';
import type { Chunk, UploadSession } from '../../registry/uploads.js';
import { badUserInput, builder } from '../builder.js';
import {
  BlobRef,
  type BlobShape,
  ManifestRef,
  TagRef,
  UploadRef,
  type UploadShape,
} from '../refs.js';
import { manifestShape, tagsPointingAt } from './manifest.js';
import { currentUpload, uploadLocation } from './upload.js';

/** What a delete removed. */
interface DeleteResultShape {
  digest: string;
  deletedTags: string[];
}

const DeleteResultRef = builder.objectRef<DeleteResultShape>('DeleteResult').implement({
  fields: (t) => ({
    digest: t.field({ type: 'Digest', resolve: (r) => r.digest }),
    deletedTags: t.stringList({
      description: 'the tags that no longer exist because of this call',
      resolve: (r) => r.deletedTags,
    }),
  }),
});

/** Refuses every mutation while the gateway runs read-only. */
function assertWritable(context: Context): void {
  if (context.config.readOnly) {
    throw new GraphQLError('regql runs read-only: set READ_ONLY=false to allow mutations', {
      extensions: { code: 'READ_ONLY' },
    });
  }
}

/** A mutation resolver that first refuses to run while the gateway is read-only. */
function writable<A, R>(run: (context: Context, args: A) => R) {
  return (_root: unknown, args: A, context: Context): R => {
    assertWritable(context);
    return run(context, args);
  };
}

/** Deletes a manifest by digest, first reading which tags point at it. */
async function deleteManifest(context: Context, repository: string, digest: string) {
  validateRepository(repository);
  const tags = await tagsPointingAt(context, repository, digest);
  await context.client.manifests.delete(repository, digest);
  context.cache.deleteManifest(repository, digest);
  for (const tag of tags) context.cache.forgetTag(repository, tag.name);
  return { digest, deletedTags: tags.map((t) => t.name).sort() };
}

/** Registries known (in this process) to refuse DELETE by tag, like registry 2.8. */
const tagDeleteRefused = new WeakSet<object>();

/** Deletes one tag (see removeTag); the gateway forgets what the tag named, whatever happened. */
async function deleteTag(context: Context, repository: string, tag: string) {
  try {
    return await removeTag(context, repository, tag);
  } finally {
    context.cache.forgetTag(repository, tag);
  }
}

/**
 * Removes exactly one tag. The V2 API deletes by digest, which takes every tag sharing it; so:
 * DELETE by tag where the registry supports it (OCI 1.1); else, when no other tag shares the
 * digest, delete by digest; else point the tag at a unique empty index and delete that index.
 */
async function removeTag(context: Context, repository: string, tag: string) {
  validateRepository(repository);
  validateTag(tag);
  const { client, loaders } = context;
  const { digest } = await client.manifests.head(repository, tag);
  const result = { digest, deletedTags: [tag] };
  if (!tagDeleteRefused.has(client.connection)) {
    try {
      await client.manifests.delete(repository, tag);
      return result;
    } catch (error) {
      // registry 2.8 refuses by-tag deletes with DIGEST_INVALID; any other refusal (deletes
      // disabled: UNSUPPORTED, DENIED, ...) stops here, before anything is changed
      if (!(isRegistryError(error, 'UNSUPPORTED') && error.registryCode === 'DIGEST_INVALID')) {
        throw error;
      }
      tagDeleteRefused.add(client.connection);
    }
  }
  const sharing = (await tagsPointingAt(context, repository, digest)).filter((t) => t.name !== tag);
  if (sharing.length === 0) {
    await client.manifests.delete(repository, digest);
    context.cache.deleteManifest(repository, digest);
    return result;
  }
  const original = await loaders.manifest.load({ repository, reference: digest });
  const placeholder = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [],
      annotations: {
        'io.regql.deleted-tag': `${repository}:${tag}`,
        'io.regql.nonce': randomUUID(),
      },
    }),
  );
  const placeholderDigest = await client.manifests.put(repository, tag, placeholder, OCI_INDEX);
  try {
    await client.manifests.delete(repository, placeholderDigest);
  } catch (error) {
    // nothing lost: the tag goes back to the image it named
    const bytes = Buffer.from(original.raw, 'utf8');
    await client.manifests.put(repository, tag, bytes, original.mediaType);
    throw error;
  }
  loaders.manifest.clear({ repository, reference: tag });
  return result;
}

/** Digest placeholder while a caller's manifest is parsed, before its media type is known. */
const UNKNOWN_DIGEST = `sha256:${'0'.repeat(64)}`;

/** Parses a manifest sent by a caller; its problems are the caller's (BAD_USER_INPUT). */
function parseInputManifest(text: string, mediaType: string | null | undefined): Manifest {
  if (mediaType !== null && mediaType !== undefined && !isManifestMediaType(mediaType)) {
    throw badUserInput(`not a manifest media type: ${mediaType.slice(0, 100)}`);
  }
  const bytes = Buffer.from(text, 'utf8');
  try {
    const manifest = parseManifest(bytes, mediaType, UNKNOWN_DIGEST);
    return { ...manifest, digest: digestOf(manifestDigestInput(bytes, manifest.mediaType)) };
  } catch (error) {
    if (isRegistryError(error)) throw badUserInput(error.message);
    throw error;
  }
}

/** Checks that every blob and manifest a manifest references is in the repository. */
async function assertReferencesPresent(context: Context, repository: string, manifest: Manifest) {
  const { loaders } = context;
  const missing = await Promise.all(
    manifestDescriptors(manifest).map(async (d) => {
      if (d.urls?.length) return undefined; // foreign layers live elsewhere
      const found = isManifestMediaType(d.mediaType)
        ? await orNull(loaders.manifest.load({ repository, reference: d.digest }))
        : await orNull(loaders.blob.load({ repository, digest: d.digest }));
      return found ? undefined : d.digest;
    }),
  );
  const first = missing.find((d) => d !== undefined);
  if (first) throw badUserInput(`the manifest references ${first}, which is not in ${repository}`);
}

/** PUTs a manifest after validating it and what it references; returns it as stored. */
async function putManifest(
  context: Context,
  repository: string,
  reference: string,
  text: string,
  mediaType: string | null | undefined,
) {
  validateRepository(repository);
  validateReference(reference);
  const manifest = parseInputManifest(text, mediaType);
  await assertReferencesPresent(context, repository, manifest);
  const bytes = Buffer.from(manifest.raw, 'utf8');
  await context.client.manifests.put(repository, reference, bytes, manifest.mediaType);
  context.cache.addManifest(repository, manifest);
  if (!isDigest(reference)) context.cache.setTagHint(repository, reference, manifest.digest);
  return manifestShape(repository, manifest);
}

/** Points a tag at the manifest named by `source`, re-putting its exact bytes and media type. */
async function tagManifest(context: Context, repository: string, source: string, tag: string) {
  validateRepository(repository);
  validateTag(tag);
  const manifest = await context.loaders.manifest.load({ repository, reference: source });
  const bytes = Buffer.from(manifest.raw, 'utf8');
  const digest = await context.client.manifests.put(repository, tag, bytes, manifest.mediaType);
  if (digest !== manifest.digest) {
    throw new RegistryError('INTEGRITY_ERROR', `retagging changed the digest to ${digest}`);
  }
  context.cache.setTagHint(repository, tag, digest);
  return { repository, name: tag };
}

/**
 * A multipart file as a chunk, streamed upstream while it arrives (its length unknown until it
 * ends); an empty file as the empty chunk it is.
 */
function fileChunk(file: FilePart): Chunk & { data: AsyncIterable<Uint8Array> } {
  const data = file.stream();
  return file.empty ? { data, length: 0 } : { data };
}

/**
 * Runs an upload step that reads `file`: its calls also stop when the request fails while the
 * file arrives, and then that failure (the client's: too big, cut off) is the step's error.
 */
async function readingFile<T>(
  context: Context,
  file: FilePart,
  step: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  try {
    return await step(AbortSignal.any([context.signal, file.signal]));
  } catch (error) {
    throw file.failure ?? error;
  }
}

/** Runs an upload step; on failure (or the caller leaving) cancels the session upstream. */
async function orCancel<T>(
  context: Context,
  session: Pick<UploadSession, 'repository' | 'location'>,
  step: () => Promise<T>,
) {
  try {
    return await step();
  } catch (error) {
    await context.client.uploads.cancelQuietly(session);
    context.uploads.forget(session.repository, session.location.pathname);
    throw error;
  }
}

/** Appends a chunk at the upload's current offset. */
async function uploadChunk(
  context: Context,
  repository: string,
  id: string,
  file: FilePart,
): Promise<UploadShape> {
  if (file.empty) throw badUserInput('an upload chunk must not be empty');
  const current = await currentUpload(context, repository, id);
  const session = await orCancel(context, current, () =>
    readingFile(context, file, (signal) =>
      context.client.uploads.patch(
        repository,
        current.location,
        fileChunk(file),
        current.offset,
        signal,
      ),
    ),
  );
  context.uploads.record(session);
  return { repository, session };
}

/** Finishes an upload with its digest, optionally with a last chunk. */
async function completeUpload(
  context: Context,
  repository: string,
  id: string,
  digest: string,
  file: FilePart | null | undefined,
): Promise<BlobShape> {
  const current = await currentUpload(context, repository, id);
  const last = file && !file.empty ? file : undefined;
  await orCancel(context, current, () =>
    last
      ? readingFile(context, last, (signal) =>
          context.client.uploads.complete(
            repository,
            current.location,
            digest,
            fileChunk(last),
            signal,
          ),
        )
      : context.client.uploads.complete(repository, current.location, digest),
  );
  context.uploads.forget(repository, current.location.pathname);
  return { repository, info: { digest, size: current.offset + (last?.bytesRead ?? 0) } };
}

/** Cancels an upload; false when the registry no longer knows it. */
async function cancelUpload(context: Context, repository: string, id: string): Promise<boolean> {
  const current = await orNull(currentUpload(context, repository, id));
  if (!current) return false;
  context.uploads.forget(repository, current.location.pathname);
  const cancelled = await orNull(context.client.uploads.cancel(repository, current.location));
  return cancelled !== null;
}

builder.mutationType({
  fields: (t) => ({
    deleteManifest: t.field({
      type: DeleteResultRef,
      description: 'delete a manifest by digest (every tag pointing at it goes with it)',
      args: {
        repository: t.arg.string({ required: true }),
        digest: t.arg({ type: 'Digest', required: true }),
      },
      extensions: {
        checkArgs: ({ repository }, context) => {
          assertWritable(context);
          validateRepository(repository);
        },
      },
      resolve: writable((context, { repository, digest }) =>
        deleteManifest(context, repository, digest),
      ),
    }),
    deleteTag: t.field({
      type: DeleteResultRef,
      description: 'remove exactly this tag; other tags that share its digest stay',
      args: {
        repository: t.arg.string({ required: true }),
        tag: t.arg.string({ required: true }),
      },
      extensions: {
        checkArgs: ({ repository, tag }, context) => {
          assertWritable(context);
          validateRepository(repository);
          validateTag(tag);
        },
      },
      resolve: writable((context, { repository, tag }) => deleteTag(context, repository, tag)),
    }),
    deleteBlob: t.field({
      type: DeleteResultRef,
      args: {
        repository: t.arg.string({ required: true }),
        digest: t.arg({ type: 'Digest', required: true }),
      },
      extensions: {
        checkArgs: ({ repository }, context) => {
          assertWritable(context);
          validateRepository(repository);
        },
      },
      resolve: writable(async (context, { repository, digest }) => {
        await context.client.blobs.delete(repository, digest);
        return { digest, deletedTags: [] };
      }),
    }),
    startUpload: t.field({
      type: UploadRef,
      args: { repository: t.arg.string({ required: true }) },
      extensions: {
        checkArgs: ({ repository }, context) => {
          assertWritable(context);
          validateRepository(repository);
        },
      },
      resolve: writable(async (context, { repository }) => {
        const session = await context.client.uploads.start(repository);
        context.uploads.record(session);
        return { repository, session };
      }),
    }),
    uploadChunk: t.field({
      type: UploadRef,
      description: "append one chunk at the upload's current offset",
      args: {
        repository: t.arg.string({ required: true }),
        id: t.arg.string({ required: true }),
        chunk: t.arg({ type: 'File', required: true }),
      },
      extensions: {
        checkArgs: ({ repository, id }, context) => {
          assertWritable(context);
          uploadLocation(repository, id);
        },
      },
      resolve: writable((context, { repository, id, chunk }) =>
        uploadChunk(context, repository, id, chunk),
      ),
    }),
    completeUpload: t.field({
      type: BlobRef,
      description: 'finish an upload, optionally with a last chunk; the registry checks the digest',
      args: {
        repository: t.arg.string({ required: true }),
        id: t.arg.string({ required: true }),
        digest: t.arg({ type: 'Digest', required: true }),
        chunk: t.arg({ type: 'File' }),
      },
      extensions: {
        checkArgs: ({ repository, id }, context) => {
          assertWritable(context);
          uploadLocation(repository, id);
        },
      },
      resolve: writable((context, { repository, id, digest, chunk }) =>
        completeUpload(context, repository, id, digest, chunk),
      ),
    }),
    cancelUpload: t.boolean({
      args: {
        repository: t.arg.string({ required: true }),
        id: t.arg.string({ required: true }),
      },
      extensions: {
        checkArgs: ({ repository, id }, context) => {
          assertWritable(context);
          uploadLocation(repository, id);
        },
      },
      resolve: writable((context, { repository, id }) => cancelUpload(context, repository, id)),
    }),
    uploadBlob: t.field({
      type: BlobRef,
      description:
        'one-shot upload of a blob; the digest is computed while streaming when not given',
      args: {
        repository: t.arg.string({ required: true }),
        file: t.arg({ type: 'File', required: true }),
        digest: t.arg({ type: 'Digest' }),
      },
      extensions: {
        checkArgs: ({ repository }, context) => {
          assertWritable(context);
          validateRepository(repository);
        },
      },
      resolve: writable(async (context, { repository, file, digest }) => {
        const stored = await readingFile(context, file, (signal) =>
          context.client.uploads.uploadStream(
            repository,
            fileChunk(file),
            digest ?? undefined,
            signal,
          ),
        );
        return { repository, info: { digest: stored, size: file.bytesRead } };
      }),
    }),
    mountBlob: t.field({
      type: BlobRef,
      description: 'cross-repository mount; falls back to a copy when the registry will not mount',
      args: {
        repository: t.arg.string({ required: true }),
        digest: t.arg({ type: 'Digest', required: true }),
        from: t.arg.string({ required: true }),
      },
      extensions: {
        checkArgs: ({ repository, from }, context) => {
          assertWritable(context);
          validateRepository(repository);
          validateRepository(from);
        },
      },
      resolve: writable(async (context, { repository, digest, from }) => {
        await context.client.uploads.mount(repository, digest, from);
        return { repository, info: await context.client.blobs.head(repository, digest) };
      }),
    }),
    putManifest: t.field({
      type: ManifestRef,
      args: {
        repository: t.arg.string({ required: true }),
        reference: t.arg.string({ required: true }),
        manifest: t.arg.string({ required: true }),
        mediaType: t.arg.string(),
      },
      extensions: {
        checkArgs: ({ repository, reference, manifest, mediaType }, context) => {
          assertWritable(context);
          validateRepository(repository);
          validateReference(reference);
          parseInputManifest(manifest, mediaType);
        },
      },
      resolve: writable((context, { repository, reference, manifest, mediaType }) =>
        putManifest(context, repository, reference, manifest, mediaType),
      ),
    }),
    tagManifest: t.field({
      type: TagRef,
      description:
        'point a tag at the manifest named by source (a tag or digest in the same repository)',
      args: {
        repository: t.arg.string({ required: true }),
        source: t.arg.string({ required: true }),
        tag: t.arg.string({ required: true }),
      },
      extensions: {
        checkArgs: ({ repository, source, tag }, context) => {
          assertWritable(context);
          validateRepository(repository);
          validateReference(source);
          validateTag(tag);
        },
      },
      resolve: writable((context, { repository, source, tag }) =>
        tagManifest(context, repository, source, tag),
      ),
    }),
  }),
});
