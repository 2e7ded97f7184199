import { pullScope, pushScope } from './auth.js';
import type { RegistryClient } from './client.js';
import { createDigester, digestOf } from './digest.js';
import { badInput, RegistryError } from './errors.js';
import { type HttpResponse, header, type RequestBody } from './http.js';
import { parseDigest, validateDigest, validateRepository } from './reference.js';

/** An upload session: where to continue it and how many bytes the registry holds. */
export interface UploadSession {
  repository: string;
  /**
   * The full location to continue at. Registry 2.8 signs a `_state` query into it that changes
   * after every PATCH, so always continue at the newest one.
   */
  location: URL;
  /** The registry's upload id (Docker-Upload-UUID), where sent. */
  uuid?: string;
  /** Bytes the registry holds so far. */
  offset: number;
}

/**
 * A chunk to append: bytes or a stream of known length (sent with Content-Length and
 * Content-Range), or a stream whose length shows only at its end (sent chunked, without
 * Content-Range: the V2 API's "stream upload", which registry 2.8 takes).
 */
export type Chunk =
  | { data: RequestBody; length: number }
  | { data: AsyncIterable<Uint8Array>; length?: undefined };

/** The result of a cross-repository mount. */
export interface MountResult {
  digest: string;
  /** True when the registry mounted; false when regql copied the blob after a 202. */
  mounted: boolean;
}

const OCTETS = 'application/octet-stream';

/** Blob uploads: POST, status GET, PATCH chunks with Content-Range, PUT to finish, DELETE. */
export class UploadsApi {
  constructor(private readonly client: RegistryClient) {}

  /** Starts an upload session (`POST /v2/<name>/blobs/uploads/`). */
  async start(repository: string): Promise<UploadSession> {
    validateRepository(repository);
    const response = await this.client.request({
      method: 'POST',
      path: uploadsPath(repository),
      headers: { 'content-length': '0' },
      scopes: [pushScope(repository)],
      expect: [202],
      what: `upload to ${repository}`,
    });
    return this.session(repository, response, 0);
  }

  /** The status of a session: bytes held (`Range`) and where to continue. */
  async status(repository: string, location: string | URL): Promise<UploadSession> {
    const url = this.location(repository, location);
    const response = await this.client.request({
      method: 'GET',
      path: url,
      scopes: [pushScope(repository)],
      expect: [204, 200],
      what: `upload to ${repository}`,
    });
    return this.session(repository, response, undefined, url);
  }

  /**
   * Appends one chunk at `offset` (`PATCH`, with Content-Range when its length is known);
   * returns the advanced session, checked to hold exactly the bytes sent.
   */
  async patch(
    repository: string,
    location: string | URL,
    chunk: Chunk,
    offset: number,
    signal?: AbortSignal,
  ): Promise<UploadSession> {
    const url = this.location(repository, location);
    if (chunk.length !== undefined && chunk.length < 1) {
      badInput('an upload chunk must not be empty');
    }
    const body = sized(chunk);
    const response = await this.client.request({
      method: 'PATCH',
      path: url,
      headers: {
        'content-type': OCTETS,
        ...(chunk.length === undefined
          ? {}
          : {
              'content-length': String(chunk.length),
              'content-range': `${offset}-${offset + chunk.length - 1}`,
            }),
      },
      body: body.data,
      scopes: [pushScope(repository)],
      expect: [202],
      what: `upload to ${repository}`,
      signal,
    });
    const sent = offset + body.length();
    const session = await this.session(repository, response, sent);
    if (session.offset !== sent) {
      // registry 2.8 appends wherever Content-Range says: what it holds is now corrupt
      await this.cancelQuietly(session);
      throw new RegistryError(
        'UPSTREAM_ERROR',
        `upload holds ${session.offset} bytes where ${sent} were sent; the upload was cancelled`,
      );
    }
    return session;
  }

  /**
   * Finishes a session (`PUT ?digest=`), optionally with a last chunk (sent chunked when its
   * length is unknown); returns the digest.
   */
  async complete(
    repository: string,
    location: string | URL,
    digest: string,
    chunk?: Chunk,
    signal?: AbortSignal,
  ): Promise<string> {
    const url = this.location(repository, location);
    validateDigest(digest);
    const length = chunk ? chunk.length : 0;
    const response = await this.client.request({
      method: 'PUT',
      path: this.client.url(url, { digest }),
      headers: {
        'content-type': OCTETS,
        ...(length === undefined ? {} : { 'content-length': String(length) }),
      },
      body: chunk?.data,
      scopes: [pushScope(repository)],
      expect: [201],
      what: `upload of ${digest} to ${repository}`,
      signal,
    });
    await response.body.dump();
    return checkStoredDigest(response, digest);
  }

  /**
   * Cancels a session (`DELETE`), releasing what the registry holds for it. It is cleanup, so it
   * runs even when the client's signal has fired (the caller who started the upload left).
   */
  async cancel(repository: string, location: string | URL): Promise<void> {
    const url = this.location(repository, location);
    const response = await this.client.request({
      method: 'DELETE',
      path: url,
      scopes: [pushScope(repository)],
      expect: [204, 200, 202],
      what: `upload to ${repository}`,
      signal: null,
    });
    await response.body.dump();
  }

  /**
   * Uploads a whole blob: monolithic `POST ?digest=`, and when the registry answers 202 instead
   * (registry 2.8 does) a `PUT` to the session it opened. The digest is computed when not given.
   */
  async upload(repository: string, bytes: Uint8Array, digest?: string): Promise<string> {
    validateRepository(repository);
    const computed = digestOf(bytes, digest ? parseDigest(digest).algorithm : 'sha256');
    if (digest && digest !== computed) {
      throw new RegistryError('INTEGRITY_ERROR', `blob content does not match digest ${digest}`);
    }
    const response = await this.client.request({
      method: 'POST',
      path: uploadsPath(repository),
      query: { digest: computed },
      headers: { 'content-type': OCTETS, 'content-length': String(bytes.length) },
      body: bytes,
      scopes: [pushScope(repository)],
      expect: [201, 202],
      what: `upload of ${computed} to ${repository}`,
    });
    if (response.status === 201) {
      await response.body.dump();
      return checkStoredDigest(response, computed);
    }
    const session = await this.session(repository, response, 0);
    return this.finishOrCancel(session, computed, { data: bytes, length: bytes.length });
  }

  /**
   * Uploads a blob from a stream, hashing it on the way: one session, one PATCH, then PUT with
   * the computed digest. When `digest` is given and differs, the session is cancelled and
   * nothing is stored (INTEGRITY_ERROR). Any failure cancels the session.
   */
  async uploadStream(
    repository: string,
    chunk: Chunk & { data: AsyncIterable<Uint8Array> },
    digest?: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const digester = createDigester(digest ? parseDigest(digest).algorithm : 'sha256');
    async function* hashing(): AsyncGenerator<Uint8Array> {
      for await (const part of chunk.data) {
        digester.update(part);
        yield part;
      }
    }
    const session = await this.start(repository);
    let next: UploadSession;
    try {
      next = await this.patch(
        repository,
        session.location,
        { ...chunk, data: hashing() },
        0,
        signal,
      );
    } catch (error) {
      await this.cancelQuietly(session);
      throw error;
    }
    const computed = digester.digest();
    if (digest && digest !== computed) {
      await this.cancelQuietly(next);
      throw new RegistryError('INTEGRITY_ERROR', `blob content does not match digest ${digest}`);
    }
    return this.finishOrCancel(next, computed, undefined);
  }

  /**
   * Mounts a blob from another repository (`POST ?mount=&from=`). When the registry answers 202
   * instead of mounting, copies the blob (streamed, verified) into the session it opened.
   */
  async mount(repository: string, digest: string, from: string): Promise<MountResult> {
    validateRepository(repository);
    validateRepository(from);
    validateDigest(digest);
    const response = await this.client.request({
      method: 'POST',
      path: uploadsPath(repository),
      query: { mount: digest, from },
      headers: { 'content-length': '0' },
      scopes: [pushScope(repository), pullScope(from)],
      expect: [201, 202],
      what: `mount of ${digest} from ${from} into ${repository}`,
    });
    if (response.status === 201) {
      await response.body.dump();
      return { digest: checkStoredDigest(response, digest), mounted: true };
    }
    const session = await this.session(repository, response, 0);
    try {
      const source = await this.client.blobs.stream(from, digest);
      if (source.size === undefined) {
        throw new RegistryError('UPSTREAM_ERROR', `blob ${digest}: the registry sent no size`);
      }
      const chunk = { data: source.body, length: source.size };
      return { digest: await this.finishOrCancel(session, digest, chunk), mounted: false };
    } catch (error) {
      await this.cancelQuietly(session);
      throw error;
    }
  }

  /** Completes a session; on failure cancels it so nothing half-written stays behind. */
  private async finishOrCancel(session: UploadSession, digest: string, chunk: Chunk | undefined) {
    try {
      return await this.complete(session.repository, session.location, digest, chunk);
    } catch (error) {
      await this.cancelQuietly(session);
      throw error;
    }
  }

  /** Cancels a session, ignoring failures (used while already failing). */
  async cancelQuietly(session: Pick<UploadSession, 'repository' | 'location'>): Promise<void> {
    await this.cancel(session.repository, session.location).catch(() => undefined);
  }

  /** The session an answer describes, its offset from `Range` (or `expected` when known). */
  private async session(
    repository: string,
    response: HttpResponse,
    expected: number | undefined,
    current?: URL,
  ): Promise<UploadSession> {
    await response.body.dump();
    const locationHeader = header(response.headers, 'location');
    if (!locationHeader && !current) {
      throw new RegistryError('UPSTREAM_ERROR', `upload to ${repository}: no Location sent`);
    }
    const location = locationHeader ? this.location(repository, locationHeader) : current!;
    const held = rangeEnd(header(response.headers, 'range'));
    const offset = heldBytes(held, expected);
    const uuid = header(response.headers, 'docker-upload-uuid');
    return uuid ? { repository, location, uuid, offset } : { repository, location, offset };
  }

  /** An upload location, checked to stay on the registry and in the repository's uploads. */
  private location(repository: string, location: string | URL): URL {
    validateRepository(repository);
    const url = this.client.url(location);
    if (!url.pathname.startsWith(uploadsPath(repository))) {
      throw new RegistryError(
        'UPSTREAM_ERROR',
        `upload location is not an upload of ${repository}`,
      );
    }
    return url;
  }
}

/**
 * A chunk's body and, once it has been sent, its length: the known one, or for a stream of
 * unknown length the bytes that went through.
 */
function sized(chunk: Chunk): { data: RequestBody; length(): number } {
  const known = chunk.length;
  if (known !== undefined) return { data: chunk.data, length: () => known };
  let bytes = 0;
  async function* counting(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const part of source) {
      bytes += part.length;
      yield part;
    }
  }
  return { data: counting(chunk.data), length: () => bytes };
}

function uploadsPath(repository: string): string {
  return `/v2/${repository}/blobs/uploads/`;
}

/** The end of a `Range: 0-<end>` header, or undefined when absent or malformed. */
function rangeEnd(range: string | undefined): number | undefined {
  const match = range?.match(/^(?:bytes=)?0-(\d+)$/);
  return match ? Number(match[1]) : undefined;
}

/**
 * Bytes held, from `Range: 0-<end>`. Registry 2.8 answers `0-0` both for 0 and for 1 byte, so
 * an expected count of 0 or 1 decides; without one, `0-0` is read as 0 (the header cannot say).
 */
function heldBytes(end: number | undefined, expected: number | undefined): number {
  if (end === undefined) return expected ?? 0;
  if (end === 0) return expected === 1 ? 1 : 0;
  return end + 1;
}

/** The digest the registry says it stored, which must be the one asked for. */
function checkStoredDigest(response: HttpResponse, digest: string): string {
  const stored = header(response.headers, 'docker-content-digest');
  if (stored && stored !== digest) {
    throw new RegistryError(
      'INTEGRITY_ERROR',
      `the registry stored ${stored} where ${digest} was uploaded`,
    );
  }
  return digest;
}
