import { deleteScope, pullScope, pushScope } from './auth.js';
import type { RegistryClient } from './client.js';
import { digestOf } from './digest.js';
import { badInput, RegistryError } from './errors.js';
import { type HttpResponse, header, readBody } from './http.js';
import {
  MAX_MANIFEST_BYTES,
  type Manifest,
  manifestDigestInput,
  parseManifest,
} from './manifest.js';
import { baseMediaType, isManifestMediaType, MANIFEST_ACCEPT } from './media-types.js';
import { isDigest, parseDigest, validateReference, validateRepository } from './reference.js';

/** What a manifest HEAD tells: digest, media type and size, without the body. */
export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

/** The registry's untouched answer to a manifest GET with a caller's Accept list. */
export interface NegotiatedManifest {
  accept: string[];
  status: number;
  mediaType?: string;
  digest?: string;
  size?: number;
  /** The body, for successful answers only. */
  body?: string;
}

/** Most Accept entries a caller may send to `negotiate`. */
const MAX_ACCEPT_ENTRIES = 32;
/** A media range of an Accept list: `type/subtype` with optional parameters, no line breaks. */
const MEDIA_RANGE = /^[\w.+*-]{1,127}\/[\w.+*-]{1,127}(?:[ \t]*;[ \t]*[\w.-]+=[\w."-]+)*$/;

/** Manifest GET/HEAD/PUT/DELETE by tag or digest; every GET and HEAD sends the full Accept list. */
export class ManifestsApi {
  constructor(private readonly client: RegistryClient) {}

  /**
   * The manifest, parsed and verified: by digest, its content must hash to that digest; by tag,
   * to the Docker-Content-Digest the registry sent. The reported digest is the one computed.
   */
  async get(repository: string, reference: string): Promise<Manifest> {
    // without a known digest only a 200 gets through, so there is always a manifest
    return (await this.load(repository, reference)) as Manifest;
  }

  /**
   * The manifest a tag names now, asked with `If-None-Match` of the digest it last named: that
   * digest when the registry answers 304 Not Modified (no body), else the new manifest, parsed and
   * verified. A conditional GET rather than a HEAD: undici closes the connection after every HEAD,
   * so a HEAD per tag costs a new connection each (and a TLS handshake on https).
   */
  async revalidate(repository: string, tag: string, known: string): Promise<Manifest | string> {
    if (!isDigest(known)) return this.get(repository, tag);
    return (await this.load(repository, tag, known)) ?? known;
  }

  /** A verified manifest GET; undefined when `known` is given and the registry answers 304. */
  private async load(
    repository: string,
    reference: string,
    known?: string,
  ): Promise<Manifest | undefined> {
    const ref = checkReference(repository, reference);
    const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
    if (known) headers['if-none-match'] = `"${known}"`;
    const call = {
      method: 'GET',
      path: manifestPath(repository, reference),
      headers,
      scopes: [pullScope(repository)],
      expect: known ? [200, 304] : [200],
      what: `manifest ${describe(repository, reference)}`,
    } as const;
    const { response, bytes } = await this.client.fetchBytes(call, MAX_MANIFEST_BYTES);
    if (response.status === 304) return undefined;
    const contentType = header(response.headers, 'content-type');
    const claimed =
      'digest' in ref ? ref.digest : header(response.headers, 'docker-content-digest');
    const digest = computeDigest(bytes, contentType, claimed);
    if (claimed && claimed !== digest) {
      throw new RegistryError(
        'INTEGRITY_ERROR',
        `manifest ${describe(repository, reference)}: content does not match digest ${claimed}`,
      );
    }
    return parseManifest(bytes, contentType, digest);
  }

  /** Digest, media type and size of a manifest, from a HEAD (a GET when no digest is sent). */
  async head(repository: string, reference: string): Promise<ManifestHead> {
    checkReference(repository, reference);
    const response = await this.client.request({
      method: 'HEAD',
      path: manifestPath(repository, reference),
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [pullScope(repository)],
      expect: [200],
      what: `manifest ${describe(repository, reference)}`,
    });
    await response.body.dump();
    const digest = header(response.headers, 'docker-content-digest');
    const size = Number(header(response.headers, 'content-length'));
    if (!digest || !Number.isSafeInteger(size)) {
      const manifest = await this.get(repository, reference);
      return { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.size };
    }
    const mediaType = baseMediaType(header(response.headers, 'content-type'));
    return { digest: validDigestHeader(digest), mediaType, size };
  }

  /**
   * PUTs manifest bytes under a tag or digest; returns the digest, checked against the bytes.
   * The media type is the Content-Type sent and must be a manifest type.
   */
  async put(
    repository: string,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<string> {
    const ref = checkReference(repository, reference);
    if (!isManifestMediaType(mediaType)) badInput(`not a manifest media type: ${mediaType}`);
    if (bytes.length > MAX_MANIFEST_BYTES) {
      badInput(`manifest exceeds the size limit of ${MAX_MANIFEST_BYTES} bytes`);
    }
    const computed = digestOf(manifestDigestInput(bytes, mediaType), algorithmOf(ref));
    if ('digest' in ref && ref.digest !== computed) {
      badInput(`manifest content does not match the digest ${ref.digest}`);
    }
    const response = await this.client.request({
      method: 'PUT',
      path: manifestPath(repository, reference),
      headers: { 'content-type': mediaType },
      body: bytes,
      scopes: [pushScope(repository)],
      expect: [201],
      what: `manifest ${describe(repository, reference)}`,
    });
    await response.body.dump();
    const sent = header(response.headers, 'docker-content-digest');
    if (sent && sent !== computed) {
      throw new RegistryError(
        'INTEGRITY_ERROR',
        `manifest ${describe(repository, reference)}: the registry stored digest ${sent}, expected ${computed}`,
      );
    }
    return computed;
  }

  /**
   * DELETE by digest (every tag pointing at it goes too), or by tag where the registry supports
   * it (OCI 1.1). Registry 2.8 answers a tag delete with 400 DIGEST_INVALID: that is UNSUPPORTED.
   */
  async delete(repository: string, reference: string): Promise<void> {
    const ref = checkReference(repository, reference);
    try {
      const response = await this.client.request({
        method: 'DELETE',
        path: manifestPath(repository, reference),
        scopes: [deleteScope(repository)],
        expect: [202, 200, 204],
        what: `manifest ${describe(repository, reference)}`,
      });
      await response.body.dump();
    } catch (error) {
      if (
        'tag' in ref &&
        error instanceof RegistryError &&
        error.statusCode === 400 &&
        error.registryCode === 'DIGEST_INVALID'
      ) {
        throw new RegistryError('UNSUPPORTED', 'the registry cannot delete a manifest by tag', {
          statusCode: 400,
          registryCode: error.registryCode,
        });
      }
      throw error;
    }
  }

  /** The registry's answer to a GET with the caller's Accept list (none: no Accept header). */
  async negotiate(
    repository: string,
    reference: string,
    accept: readonly string[] | undefined,
  ): Promise<NegotiatedManifest> {
    const list = checkNegotiation(repository, reference, accept);
    const response = await this.client.request({
      method: 'GET',
      path: manifestPath(repository, reference),
      headers: list.length ? { accept: list.join(', ') } : {},
      scopes: [pullScope(repository)],
      expect: [200, 400, 404],
      what: `manifest ${describe(repository, reference)}`,
    });
    if (response.status !== 200) {
      await response.body.dump();
      return { accept: list, status: response.status };
    }
    return { accept: list, status: 200, ...(await describeBody(response)) };
  }
}

/** Media type, digest, size and text of a successful manifest answer. */
async function describeBody(
  response: HttpResponse,
): Promise<Omit<NegotiatedManifest, 'accept' | 'status'>> {
  const bytes = await readBody(response, MAX_MANIFEST_BYTES, 'manifest');
  const contentType = header(response.headers, 'content-type');
  return {
    mediaType: baseMediaType(contentType) || undefined,
    digest: header(response.headers, 'docker-content-digest'),
    size: bytes.length,
    body: bytes.toString('utf8'),
  };
}

/** The digest of served manifest bytes, with the algorithm of the digest they should match. */
function computeDigest(
  bytes: Uint8Array,
  contentType: string | undefined,
  claimed: string | undefined,
): string {
  const algorithm = claimed ? tryAlgorithm(claimed) : 'sha256';
  return digestOf(manifestDigestInput(bytes, baseMediaType(contentType)), algorithm);
}

function tryAlgorithm(digest: string): string {
  try {
    return parseDigest(digest).algorithm;
  } catch {
    throw new RegistryError('UPSTREAM_ERROR', 'the registry sent an invalid Docker-Content-Digest');
  }
}

function validDigestHeader(digest: string): string {
  tryAlgorithm(digest);
  return digest;
}

function algorithmOf(ref: { tag: string } | { digest: string }): string {
  return 'digest' in ref ? parseDigest(ref.digest).algorithm : 'sha256';
}

/**
 * The Accept entries of a `negotiate` call, after its repository, reference and entries are
 * checked (BAD_USER_INPUT: nothing that is not a media range reaches a header).
 */
export function checkNegotiation(
  repository: string,
  reference: string,
  accept: readonly string[] | null | undefined,
): string[] {
  checkReference(repository, reference);
  const list = [...(accept ?? [])];
  if (list.length > MAX_ACCEPT_ENTRIES) badInput(`at most ${MAX_ACCEPT_ENTRIES} Accept entries`);
  for (const entry of list) {
    if (entry.length > 255 || !MEDIA_RANGE.test(entry)) {
      badInput(`not a media type: ${entry.slice(0, 100)}`);
    }
  }
  return list;
}

function checkReference(
  repository: string,
  reference: string,
): { tag: string } | { digest: string } {
  validateRepository(repository);
  return validateReference(reference);
}

function manifestPath(repository: string, reference: string): string {
  return `/v2/${repository}/manifests/${reference}`;
}

/** `repo:tag` or `repo@digest`, for messages. */
export function describe(repository: string, reference: string): string {
  return reference.includes(':') ? `${repository}@${reference}` : `${repository}:${reference}`;
}
