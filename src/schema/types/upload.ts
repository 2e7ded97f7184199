import type { Context } from '../../context.js';
import { isRepositoryName, validateRepository } from '../../registry/reference.js';
import type { UploadSession } from '../../registry/uploads.js';
import { badUserInput } from '../builder.js';
import { BlobRef, RepositoryRef, UploadRef, type UploadShape } from '../refs.js';

/**
 * The opaque id of an upload: its newest location (path and signed query) on the registry,
 * with the repository it belongs to. Registry 2.8 continues an upload only there.
 */
export function uploadId(session: UploadSession): string {
  const where = session.location.pathname + session.location.search;
  return Buffer.from(JSON.stringify({ r: session.repository, l: where }), 'utf8').toString(
    'base64url',
  );
}

/** What an upload id names: an upload session of a repository, at a location on the registry. */
export interface UploadToken {
  repository: string;
  location: string;
}

/** The repository and location an upload id names; BAD_USER_INPUT unless it is one of ours. */
export function parseUploadId(id: string): UploadToken {
  let token: { r?: unknown; l?: unknown } = {};
  try {
    if (/^[A-Za-z0-9_-]{1,8192}$/.test(id)) {
      token = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
    }
  } catch {
    token = {};
  }
  const repository = typeof token.r === 'string' ? token.r : '';
  const location = typeof token.l === 'string' ? token.l : '';
  const [path = '', query] = location.split('?', 2);
  // exactly /v2/<repository>/blobs/uploads/<one segment>, as written (no dot segments or
  // escapes that a URL parser would resolve elsewhere), with its signed query if any
  const session = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
  const prefix = `/v2/${repository}/blobs/uploads/`;
  const segment = path.startsWith(prefix) ? path.slice(prefix.length) : '';
  if (
    !isRepositoryName(repository) ||
    !session.test(segment) ||
    (query !== undefined && /[\s#]/.test(query))
  ) {
    throw badUserInput('not a valid upload id');
  }
  return { repository, location };
}

/** The location an upload id names; BAD_USER_INPUT unless it is an upload of `repository`. */
export function uploadLocation(repository: string, id: string): string {
  validateRepository(repository);
  let token: UploadToken | undefined;
  try {
    token = parseUploadId(id);
  } catch {
    token = undefined;
  }
  if (token?.repository !== repository) throw badUserInput(`not an upload id of ${repository}`);
  return token.location;
}

/**
 * The upload's state as the registry reports it now, asked at the newest location this gateway
 * knows for it (so older ids of the same upload work too), else at the id's own location.
 */
export async function readUpload(
  context: Context,
  repository: string,
  id: string,
): Promise<UploadShape> {
  const location = uploadLocation(repository, id);
  const newest = context.uploads.newest(repository, location);
  const session = await context.client.uploads.status(repository, newest?.location ?? location);
  context.uploads.record(session);
  return { repository, session };
}

/** Where an upload continues and how many bytes it holds; the tracker answers without a request. */
export async function currentUpload(
  context: Context,
  repository: string,
  id: string,
): Promise<UploadSession> {
  const newest = context.uploads.newest(repository, uploadLocation(repository, id));
  if (newest)
    return { repository, location: context.client.url(newest.location), offset: newest.offset };
  return (await readUpload(context, repository, id)).session;
}

UploadRef.implement({
  fields: (t) => ({
    id: t.string({
      description:
        'opaque; every mutation that advances the upload returns its new id, which the next call must use',
      resolve: (u) => uploadId(u.session),
    }),
    repository: t.field({ type: RepositoryRef, resolve: (u) => ({ name: u.repository }) }),
    offset: t.field({
      type: 'SafeInt',
      description: 'bytes the registry holds for this upload so far',
      resolve: (u) => u.session.offset,
    }),
  }),
});

BlobRef.implement({
  fields: (t) => ({
    digest: t.field({ type: 'Digest', resolve: (b) => b.info.digest }),
    size: t.field({ type: 'SafeInt', resolve: (b) => b.info.size }),
    mediaType: t.string({ nullable: true, resolve: (b) => b.info.mediaType ?? null }),
    repository: t.field({ type: RepositoryRef, resolve: (b) => ({ name: b.repository }) }),
  }),
});
