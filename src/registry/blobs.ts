import { deleteScope, pullScope } from './auth.js';
import type { RegistryCall, RegistryClient } from './client.js';
import { createDigester, verifyDigest } from './digest.js';
import { RegistryError } from './errors.js';
import { abortBody, type HttpResponse, header } from './http.js';
import { type ImageConfig, parseImageConfig } from './image-config.js';
import { parseDigest, validateDigest, validateRepository } from './reference.js';

/** What a blob HEAD tells. */
export interface BlobInfo {
  digest: string;
  size: number;
  /** The Content-Type the registry sent, when it is not the generic octet-stream. */
  mediaType?: string;
}

/** A blob being read: its declared size and a body that checks the digest at its end. */
export interface BlobStream {
  size: number | undefined;
  body: AsyncIterable<Buffer>;
}

/** Blob HEAD/GET/DELETE by digest. GETs follow redirects, never sending credentials elsewhere. */
export class BlobsApi {
  constructor(private readonly client: RegistryClient) {}

  /** Size (and media type, where sent) of a blob. */
  async head(repository: string, digest: string): Promise<BlobInfo> {
    const response = await this.send('HEAD', repository, digest);
    await response.body.dump();
    const size = Number(header(response.headers, 'content-length'));
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RegistryError('UPSTREAM_ERROR', `blob ${digest}: the registry sent no size`);
    }
    const type = header(response.headers, 'content-type');
    const mediaType = type && type !== 'application/octet-stream' ? type : undefined;
    return mediaType ? { digest, size, mediaType } : { digest, size };
  }

  /** A whole blob, at most `maxBytes`, verified against its digest. */
  async get(repository: string, digest: string, maxBytes: number): Promise<Buffer> {
    const { bytes } = await this.client.fetchBytes(this.call('GET', repository, digest), maxBytes);
    verifyDigest(bytes, digest, `blob ${digest}`);
    return bytes;
  }

  /** An image config blob, verified and parsed; refused when over the configured size limit. */
  async config(repository: string, digest: string): Promise<ImageConfig> {
    const limit = this.client.connection.maxConfigBytes;
    return parseImageConfig(await this.get(repository, digest, limit), limit);
  }

  /** A blob as a stream; the stream fails with INTEGRITY_ERROR at its end if the digest differs. */
  async stream(repository: string, digest: string): Promise<BlobStream> {
    const response = await this.send('GET', repository, digest);
    const size = Number(header(response.headers, 'content-length'));
    return {
      size: Number.isSafeInteger(size) ? size : undefined,
      body: verified(response, digest),
    };
  }

  /** Deletes a blob from the repository. */
  async delete(repository: string, digest: string): Promise<void> {
    validateRepository(repository);
    validateDigest(digest);
    const response = await this.client.request({
      method: 'DELETE',
      path: `/v2/${repository}/blobs/${digest}`,
      scopes: [deleteScope(repository)],
      expect: [202, 200, 204],
      what: `blob ${repository}@${digest}`,
    });
    await response.body.dump();
  }

  private send(method: 'GET' | 'HEAD', repository: string, digest: string): Promise<HttpResponse> {
    return this.client.request(this.call(method, repository, digest));
  }

  /** A GET or HEAD of a blob, following redirects (never with credentials to other origins). */
  private call(method: 'GET' | 'HEAD', repository: string, digest: string): RegistryCall {
    validateRepository(repository);
    validateDigest(digest);
    return {
      method,
      path: `/v2/${repository}/blobs/${digest}`,
      scopes: [pullScope(repository)],
      expect: [200],
      what: `blob ${repository}@${digest}`,
      followRedirects: true,
    };
  }
}

/** Passes the body through while hashing it; throws INTEGRITY_ERROR at the end on a mismatch. */
async function* verified(response: HttpResponse, digest: string): AsyncGenerator<Buffer> {
  const digester = createDigester(parseDigest(digest).algorithm);
  try {
    for await (const chunk of response.body) {
      digester.update(chunk as Buffer);
      yield chunk as Buffer;
    }
  } finally {
    if (!response.body.readableEnded) abortBody(response);
  }
  if (digester.digest() !== digest) {
    throw new RegistryError('INTEGRITY_ERROR', `blob ${digest}: content does not match its digest`);
  }
}
