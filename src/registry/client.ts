import { Authenticator, type AuthOptions, type AuthScheme, type Credentials } from './auth.js';
import { BlobsApi } from './blobs.js';
import { CatalogApi } from './catalog.js';
import { RegistryError } from './errors.js';
import {
  abortedError,
  errorFromResponse,
  type HttpMethod,
  type HttpResponse,
  HttpTransport,
  header,
  type RequestBody,
  readBody,
  type TransportOptions,
} from './http.js';
import { MAX_CONFIG_BYTES } from './image-config.js';
import { ManifestsApi } from './manifests.js';
import { ReferrersApi } from './referrers.js';
import { TagsApi } from './tags.js';
import { UploadsApi } from './uploads.js';

/** Settings of a RegistryClient. */
export interface RegistryClientOptions extends TransportOptions, AuthOptions {
  /** Fixed credentials; per-caller ones come with `withCredentials`. */
  credentials?: Credentials;
  /** Largest image config read, in bytes (default 8 MiB). */
  maxConfigBytes?: number;
}

/** One registry call: a path on the registry (or an absolute upload location) and what it needs. */
export interface RegistryCall {
  method: HttpMethod;
  /** A path below the registry's origin, e.g. `/v2/foo/tags/list`, or an absolute URL on it. */
  path: string | URL;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Token scopes the call needs. */
  scopes: readonly string[];
  /** Statuses that count as success; any other becomes a RegistryError. */
  expect: readonly number[];
  /** What is being asked for, for error messages: `manifest foo:1.0`. */
  what: string;
  /** Follow redirects (blob GETs), dropping credentials on other origins. */
  followRedirects?: boolean;
  /** Aborts the call; `null` runs it whatever the client's signal says (cleanup after a failure). */
  signal?: AbortSignal | null;
}

/** Rate limit figures from RateLimit-Limit / RateLimit-Remaining headers (`100;w=21600`). */
export interface RateLimit {
  limit?: number;
  remaining?: number;
  windowSeconds?: number;
}

/** What `GET /v2/` says about a registry. */
export interface RegistryPing {
  /** The Docker-Distribution-Api-Version header, e.g. `registry/2.0`. */
  apiVersion?: string;
  authScheme: AuthScheme;
  /** True when the call (with this client's credentials) succeeded. */
  authorized: boolean;
  rateLimit?: RateLimit;
}

/** What a client adds to its connection: whose credentials, which deadline, what counts calls. */
export interface ClientView {
  /** Credentials for the registry's challenges; none: anonymous. */
  credentials?: Credentials | undefined;
  /** Whose signal aborts every call of this client (the operation's deadline), read as each call starts. */
  deadline?: { readonly signal: AbortSignal } | undefined;
  /** Counts every answer to a call of this client (not token requests). */
  calls?: { count: number } | undefined;
}

/** What every client of one registry shares, whatever its credentials: pool, challenge, tokens. */
export class RegistryConnection {
  /** The undici layer. */
  readonly http: HttpTransport;
  /** The learned challenge and the token cache. */
  readonly auth: Authenticator;
  /** Largest image config read, in bytes. */
  readonly maxConfigBytes: number;

  constructor(registryUrl: string, options: Omit<RegistryClientOptions, 'credentials'> = {}) {
    this.http = new HttpTransport(registryUrl, options);
    this.auth = new Authenticator(this.http, options);
    this.maxConfigBytes = options.maxConfigBytes ?? MAX_CONFIG_BYTES;
  }

  /** Closes the connection pool. */
  close(): Promise<void> {
    return this.http.close();
  }
}

/** A client over a new connection to `registryUrl`. */
export function createRegistryClient(
  registryUrl: string,
  options: RegistryClientOptions = {},
): RegistryClient {
  return new RegistryClient(new RegistryConnection(registryUrl, options), {
    credentials: options.credentials,
  });
}

/**
 * The Docker Registry HTTP API V2 / OCI Distribution client. Knows nothing of GraphQL.
 * A client is a cheap view of a connection with one set of credentials (or none).
 */
export class RegistryClient {
  /** `_catalog`. */
  readonly catalog = new CatalogApi(this);
  /** `tags/list`. */
  readonly tags = new TagsApi(this);
  /** Manifests by tag or digest. */
  readonly manifests = new ManifestsApi(this);
  /** Blobs by digest. */
  readonly blobs = new BlobsApi(this);
  /** Blob uploads and cross-repository mounts. */
  readonly uploads = new UploadsApi(this);
  /** OCI 1.1 referrers, with the tag-schema fallback. */
  readonly referrers = new ReferrersApi(this);
  /** The most recent rate limit the registry reported to this client. */
  rateLimit: RateLimit | undefined;

  constructor(
    /** The shared connection. */
    readonly connection: RegistryConnection,
    private readonly view: ClientView = {},
  ) {}

  /** A client over the same connection with some of its view replaced. */
  derive(view: ClientView): RegistryClient {
    // named, not spread: two object spreads cost microseconds on Node 20, and this runs per request
    const base = this.view;
    return new RegistryClient(this.connection, {
      credentials: 'credentials' in view ? view.credentials : base.credentials,
      deadline: 'deadline' in view ? view.deadline : base.deadline,
      calls: 'calls' in view ? view.calls : base.calls,
    });
  }

  /** A client for other credentials (or anonymous) over the same connection. */
  withCredentials(credentials: Credentials | undefined): RegistryClient {
    return this.derive({ credentials });
  }

  /** The registry's origin. */
  get origin(): string {
    return this.connection.http.origin;
  }

  /** `GET /v2/`: reachability, API version, auth scheme and rate limit. */
  async ping(): Promise<RegistryPing> {
    const response = await this.request({
      method: 'GET',
      path: '/v2/',
      scopes: [],
      expect: [200, 401],
      what: 'registry base',
    });
    await response.body.dump();
    return {
      apiVersion: header(response.headers, 'docker-distribution-api-version'),
      authScheme: this.connection.auth.scheme ?? 'none',
      authorized: response.status === 200,
      rateLimit: this.rateLimit,
    };
  }

  /**
   * Sends a call with the right Authorization: learns the registry's challenge from a 401 and
   * retries once with a token for the needed scopes. Streamed bodies cannot be sent twice, so
   * for them the challenge is learned first with `GET /v2/`. With `collect`, the body is read
   * whole (at most that many bytes) as it arrives, not streamed.
   */
  async request(call: RegistryCall, collect?: number): Promise<HttpResponse> {
    const { auth } = this.connection;
    const replayable = !isStream(call.body);
    if (!replayable && !auth.known) await this.ping();
    const url = this.url(call.path, call.query);
    const { calls } = this.view;
    let response = await this.send(
      call,
      url,
      await auth.authorization(call.scopes, this.view.credentials),
      collect,
    );
    if (calls) calls.count++;
    let challenge = auth.learn(response.status, header(response.headers, 'www-authenticate'));
    if (response.status === 401 && challenge && replayable) {
      await response.body.dump();
      const scopes = [...call.scopes, ...(challenge.scope?.split(' ') ?? [])];
      response = await this.send(
        call,
        url,
        await auth.authorization(scopes, this.view.credentials, true),
        collect,
      );
      if (calls) calls.count++;
      challenge = auth.learn(response.status, header(response.headers, 'www-authenticate'));
    }
    this.noteRateLimit(response);
    if (call.expect.includes(response.status)) return response;
    if (response.status === 401) {
      await response.body.dump();
      const refused =
        this.view.credentials !== undefined && challenge?.error === 'insufficient_scope';
      throw new RegistryError(
        refused ? 'FORBIDDEN' : 'UNAUTHORIZED',
        refused
          ? `${call.what}: the registry denied access with these credentials`
          : `${call.what}: the registry requires valid credentials`,
        { statusCode: 401, registryCode: refused ? 'DENIED' : 'UNAUTHORIZED' },
      );
    }
    throw await errorFromResponse(response, call.what);
  }

  /** Sends a call once, to `url`, with that Authorization (or none), collecting its body or not. */
  private send(
    call: RegistryCall,
    url: URL,
    authorization: string | undefined,
    collect: number | undefined,
  ): Promise<HttpResponse> {
    // Object.assign, not a spread and then a property: that is slow on Node 20
    const headers = authorization
      ? Object.assign({}, call.headers, { authorization })
      : { ...call.headers };
    return this.connection.http.send(
      {
        method: call.method,
        url,
        headers,
        body: call.body,
        signal: this.signalFor(call),
        collect,
      },
      call.followRedirects,
    );
  }

  /**
   * Sends an idempotent call and reads its whole body (at most `maxBytes`); an answer cut off
   * mid-way is asked for again, as often as the transport retries.
   */
  async fetchBytes(
    call: RegistryCall,
    maxBytes: number,
  ): Promise<{ response: HttpResponse; bytes: Buffer }> {
    for (let attempt = 1; ; attempt++) {
      const response = await this.request(call, maxBytes);
      try {
        return { response, bytes: await readBody(response, maxBytes, call.what) };
      } catch (error) {
        const signal = this.signalFor(call);
        if (signal?.aborted) throw abortedError(signal, error);
        const retryable = error instanceof RegistryError && error.transient;
        if (attempt > this.connection.http.retries || !retryable) throw error;
      }
    }
  }

  /** The signal that aborts a call: its own, else this client's, none when it asks for none. */
  private signalFor(call: RegistryCall): AbortSignal | undefined {
    return call.signal === null ? undefined : (call.signal ?? this.view.deadline?.signal);
  }

  /** An absolute URL on the registry; absolute inputs must stay on its origin. */
  url(path: string | URL, query?: RegistryCall['query']): URL {
    const url = new URL(path, this.origin);
    if (url.origin !== this.origin) {
      throw new RegistryError('UPSTREAM_ERROR', 'refusing a URL outside the registry origin');
    }
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  private noteRateLimit(response: HttpResponse): void {
    const limit = parseRateLimitHeader(header(response.headers, 'ratelimit-limit'));
    const remaining = parseRateLimitHeader(header(response.headers, 'ratelimit-remaining'));
    if (!limit && !remaining) return;
    this.rateLimit = {
      limit: limit?.value,
      remaining: remaining?.value,
      windowSeconds: limit?.window ?? remaining?.window,
    };
  }
}

/** `100;w=21600` → value 100, window 21600. */
function parseRateLimitHeader(
  value: string | undefined,
): { value: number; window?: number } | undefined {
  const match = value?.match(/^\s*(\d+)\s*(?:;\s*w\s*=\s*(\d+))?/);
  if (!match) return undefined;
  return { value: Number(match[1]), window: match[2] ? Number(match[2]) : undefined };
}

function isStream(body: RequestBody | undefined): boolean {
  return (
    body !== undefined &&
    typeof body !== 'string' &&
    !(body instanceof Uint8Array) &&
    Symbol.asyncIterator in body
  );
}
