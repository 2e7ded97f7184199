import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createSecureContext,
  rootCertificates,
  type SecureContext,
  connect as tlsConnect,
} from 'node:tls';
import { Agent, type Dispatcher, Pool } from 'undici';
import { abortFan } from './abort-fan.js';
import { CollectedBody, dispatchCollected, isOverLimit } from './collected-body.js';
import { codeForStatus, RegistryError, registryCodeOf } from './errors.js';

/** HTTP methods the V2 API uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** A request body: bytes and strings can be sent again (after a 401); streams cannot. */
export type RequestBody = Uint8Array | string | AsyncIterable<Uint8Array>;

/** Settings of the HTTP layer; every one has a default. */
export interface TransportOptions {
  /** Most concurrent connections to the registry origin (the upstream concurrency cap). */
  connections?: number;
  /** Milliseconds to establish a connection. */
  connectTimeoutMs?: number;
  /** Milliseconds to wait for response headers. */
  headersTimeoutMs?: number;
  /** Milliseconds the body may stay silent. */
  bodyTimeoutMs?: number;
  /** Retries of idempotent requests after connection errors, 429, 500, 502, 503 and 504. */
  retries?: number;
  /** First backoff in milliseconds; doubled on every retry, with jitter. */
  retryBaseMs?: number;
  /** Longest wait honoured from a Retry-After header, in milliseconds. */
  maxRetryAfterMs?: number;
  /** The User-Agent header sent upstream. */
  userAgent?: string;
  /** Consecutive failures (no answer, or 5xx after retries) that open an origin's circuit. */
  circuitThreshold?: number;
  /** Milliseconds an open circuit fails fast before one call may try again. */
  circuitCooldownMs?: number;
  /** Use HTTP/2 (one connection, `connections` streams) when an https registry offers it. */
  http2?: boolean;
  /** PEM certificates trusted besides the well-known CAs (a private registry's CA); '' for none. */
  ca?: string;
  /** Called once per upstream answer (including retries, auth round trips and redirects). */
  onResponse?: (event: UpstreamEvent) => void;
}

/** One upstream request as seen by `onResponse`. */
export interface UpstreamEvent {
  method: HttpMethod;
  origin: string;
  path: string;
  /** HTTP status, or 0 when no answer came. */
  status: number;
  durationMs: number;
}

/** One HTTP exchange to send. */
export interface HttpRequest {
  method: HttpMethod;
  /** Absolute URL. */
  url: URL;
  headers: Record<string, string>;
  body?: RequestBody;
  /** Aborts the exchange (the caller went away). */
  signal?: AbortSignal;
  /**
   * Read the body whole as it arrives, at most this many bytes, instead of as a stream: cheaper
   * for the small documents a query asks for by the thousand (manifests, configs, lists).
   */
  collect?: number;
}

/** A response body: undici's stream, or a body collected whole (`HttpRequest.collect`). */
export interface ResponseBody extends AsyncIterable<Buffer> {
  /** Whether the whole body was read. */
  readonly readableEnded: boolean;
  /** Reads and discards what is left, keeping the connection. */
  dump(): Promise<void>;
  /** Gives up the body (the connection may close). */
  destroy(): void;
  /** Listens for a failure of the body. */
  on(event: 'error', listener: () => void): unknown;
}

/** An answer, body not yet read. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: ResponseBody;
  /** The URL that answered (after redirects). */
  url: URL;
}

// 500 too: registry 2.8 answers some reads with a passing 500 while a repository is being written
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** Resolved transport settings. */
type Settings = Required<Omit<TransportOptions, 'onResponse'>> &
  Pick<TransportOptions, 'onResponse'>;

/** Defaults of every TransportOptions setting. */
export const TRANSPORT_DEFAULTS: Required<Omit<TransportOptions, 'onResponse'>> = {
  connections: 64,
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  retries: 2,
  retryBaseMs: 100,
  maxRetryAfterMs: 10_000,
  userAgent: 'regql/0.1',
  circuitThreshold: 5,
  circuitCooldownMs: 10_000,
  http2: false,
  ca: '',
};

/** Streams undici opens on one HTTP/2 connection at most (its own default). */
const MAX_STREAMS_PER_CONNECTION = 100;

/** The header's single value (the first, when repeated). */
export function header(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Timeouts and TLS trust of every dispatcher of a transport with these settings. */
function dispatcherOptions(settings: Settings) {
  const { ca } = settings;
  return {
    headersTimeout: settings.headersTimeoutMs,
    bodyTimeout: settings.bodyTimeoutMs,
    connect: {
      timeout: settings.connectTimeoutMs,
      // a private CA is trusted besides the well-known ones (blob redirects go to public
      // hosts); one context for every connection: a `ca` list is parsed anew per connection
      ...(ca ? { secureContext: createSecureContext({ ca: [...rootCertificates, ca] }) } : {}),
    },
  };
}

/**
 * The undici layer: one keep-alive Pool for the registry origin (its connections, or its HTTP/2
 * streams, are the concurrency cap), one Agent for other origins (token realms, blob redirects),
 * retries and redirects.
 */
export class HttpTransport {
  /** The registry's origin, e.g. `http://127.0.0.1:5000`. */
  readonly origin: string;
  private readonly settings: Settings;
  /** The registry origin's pool, made on first use (after asking an https origin for HTTP/2). */
  private pool: Promise<Pool> | undefined;
  private readonly agent: Agent;
  /** Timeouts and TLS trust of every dispatcher. */
  private readonly options: ReturnType<typeof dispatcherOptions>;
  /** Per origin: consecutive failures, and until when its circuit is open. */
  private readonly circuits = new Map<string, { failures: number; openUntil: number }>();

  constructor(registryUrl: string, options: TransportOptions = {}) {
    this.origin = new URL(registryUrl).origin;
    this.settings = { ...TRANSPORT_DEFAULTS, ...stripUndefined(options) };
    this.options = dispatcherOptions(this.settings);
    this.agent = new Agent({ connections: 4, ...this.options });
  }

  /**
   * The registry origin's pool. An https registry that offers HTTP/2 (asked once, by TLS ALPN)
   * gets one connection carrying up to `connections` streams: no handshake per connection, and no
   * connection closed after a HEAD (undici closes HTTP/1.1 ones). Otherwise `connections`
   * keep-alive HTTP/1.1 connections; either way `connections` requests at most in flight.
   */
  private registryPool(): Promise<Pool> {
    this.pool ??= (async () => {
      const { options } = this;
      const cap = this.settings.connections;
      if (this.settings.http2 && (await offersHttp2(this.origin, options.connect))) {
        const connections = Math.ceil(cap / MAX_STREAMS_PER_CONNECTION);
        const streams = Math.ceil(cap / connections);
        return new Pool(this.origin, {
          ...options,
          allowH2: true,
          connections,
          pipelining: streams,
        });
      }
      return new Pool(this.origin, { ...options, connections: cap });
    })();
    return this.pool;
  }

  /**
   * Sends one request; GET and HEAD are retried on connection errors and 429/502/503/504.
   * Redirects are followed only when `followRedirects` is set, and `Authorization` is dropped
   * whenever a hop leaves the registry's origin.
   */
  async send(request: HttpRequest, followRedirects = false): Promise<HttpResponse> {
    let current = request;
    for (let hop = 0; ; hop++) {
      const response = await this.sendThroughCircuit(current);
      const location = header(response.headers, 'location');
      if (!followRedirects || !REDIRECT_STATUS.has(response.status) || !location) return response;
      await response.body.dump();
      if (hop >= MAX_REDIRECTS) {
        throw new RegistryError('UPSTREAM_ERROR', 'registry redirected too many times', {
          statusCode: response.status,
        });
      }
      const url = new URL(location, current.url);
      const headers = { ...current.headers };
      if (url.origin !== this.origin) delete headers.authorization;
      const method = current.method === 'HEAD' ? 'HEAD' : 'GET';
      current = { method, url, headers, signal: current.signal, collect: current.collect };
    }
  }

  /** How many times an idempotent call is tried again after a transient failure. */
  get retries(): number {
    return this.settings.retries;
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    // a pool first made after this would never be closed: requests from now on find a closed one
    this.pool ??= Promise.resolve(new Pool(this.origin, this.options));
    await Promise.all([this.pool.then((pool) => pool.close()), this.agent.close()]);
  }

  /**
   * One exchange through the origin's circuit: after `circuitThreshold` failures in a row calls
   * fail fast for the cooldown; then calls try again, a success closes the circuit and one more
   * failure opens it at once.
   */
  private async sendThroughCircuit(request: HttpRequest): Promise<HttpResponse> {
    const origin = request.url.origin;
    const circuit = this.circuits.get(origin) ?? { failures: 0, openUntil: 0 };
    this.circuits.set(origin, circuit);
    if (Date.now() < circuit.openUntil) {
      throw new RegistryError(
        'UPSTREAM_ERROR',
        'the registry is failing; calls fail fast for a few seconds (circuit open)',
      );
    }
    const failed = () => {
      circuit.failures++;
      if (circuit.failures >= this.settings.circuitThreshold) {
        circuit.openUntil = Date.now() + this.settings.circuitCooldownMs;
      }
    };
    let response: HttpResponse;
    try {
      response = await this.sendWithRetries(request);
    } catch (error) {
      if (!request.signal?.aborted) failed();
      throw error;
    }
    if (response.status >= 500) failed();
    else circuit.failures = 0;
    return response;
  }

  private async sendWithRetries(request: HttpRequest): Promise<HttpResponse> {
    const idempotent = request.method === 'GET' || request.method === 'HEAD';
    const attempts = idempotent ? this.settings.retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= attempts;
      let response: HttpResponse;
      try {
        response = await this.sendOnce(request);
      } catch (error) {
        if (last || !(error instanceof RegistryError && error.transient)) throw error;
        await sleep(this.backoff(attempt));
        continue;
      }
      if (last || !RETRYABLE_STATUS.has(response.status)) return response;
      const wait =
        this.retryAfter(header(response.headers, 'retry-after')) ?? this.backoff(attempt);
      await response.body.dump();
      await sleep(wait);
    }
  }

  private async sendOnce(request: HttpRequest): Promise<HttpResponse> {
    const { url } = request;
    const dispatcher = url.origin === this.origin ? await this.registryPool() : this.agent;
    const started = performance.now();
    const { method } = request;
    const { origin, pathname: path } = url;
    const options: Dispatcher.RequestOptions = {
      origin,
      path: path + url.search,
      method,
      headers: { 'user-agent': this.settings.userAgent, ...request.headers },
      body: toBody(request.body),
    };
    try {
      let answer: Pick<Dispatcher.ResponseData, 'statusCode' | 'headers'> & { body: ResponseBody };
      if (request.collect === undefined) {
        options.signal = request.signal && abortFan(request.signal);
        answer = await dispatcher.request(options);
      } else {
        answer = await dispatchCollected(dispatcher, options, request.signal, request.collect);
      }
      // no spread of a base object: a spread followed by more properties is slow on Node 20
      this.settings.onResponse?.({
        method,
        origin,
        path,
        status: answer.statusCode,
        durationMs: performance.now() - started,
      });
      return { status: answer.statusCode, headers: answer.headers, body: answer.body, url };
    } catch (error) {
      const durationMs = performance.now() - started;
      this.settings.onResponse?.({ method, origin, path, status: 0, durationMs });
      if (request.signal?.aborted) throw abortedError(request.signal, error);
      throw new RegistryError('UPSTREAM_ERROR', `registry unreachable (${errorName(error)})`, {
        cause: error,
        transient: true,
      });
    }
  }

  private backoff(attempt: number): number {
    const base = this.settings.retryBaseMs * 2 ** (attempt - 1);
    return base / 2 + Math.random() * base;
  }

  /** Milliseconds from a Retry-After header (seconds or an HTTP date), capped. */
  private retryAfter(value: string | undefined): number | undefined {
    if (!value) return undefined;
    const seconds = Number(value);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
    if (!Number.isFinite(ms)) return undefined;
    return Math.min(Math.max(ms, 0), this.settings.maxRetryAfterMs);
  }
}

/** The body in a form undici's types accept; async iterables become a Readable. */
function toBody(body: RequestBody | undefined): string | Uint8Array | Readable | undefined {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) return body;
  return body instanceof Readable ? body : Readable.from(body, { objectMode: false });
}

/** The error of a call cut off by its signal: the operation's deadline, or the caller leaving. */
export function abortedError(signal: AbortSignal, cause: unknown): RegistryError {
  const timedOut = (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
  const message = timedOut ? 'the operation timed out' : 'the request was cancelled';
  return new RegistryError('UPSTREAM_ERROR', message, { cause });
}

/** A short, credential-free name for a network error. */
function errorName(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'error';
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Stops reading a body and closes its connection; the abort this causes is not an error here. */
export function abortBody(response: HttpResponse): void {
  response.body.on('error', () => undefined);
  response.body.destroy();
}

/**
 * Reads a whole body, refusing (without reading it whole) one over `maxBytes`: a declared
 * Content-Length over the limit is refused before reading; otherwise reading stops at the limit.
 */
export async function readBody(
  response: HttpResponse,
  maxBytes: number,
  what: string,
): Promise<Buffer> {
  const tooLarge = () =>
    new RegistryError('INTEGRITY_ERROR', `${what} exceeds the size limit of ${maxBytes} bytes`);
  const declared = Number(header(response.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    abortBody(response);
    throw tooLarge();
  }
  const { body } = response;
  try {
    if (body instanceof CollectedBody) {
      const bytes = await body.bytes();
      if (bytes.length > maxBytes) throw tooLarge();
      return bytes;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of body) {
      total += chunk.length;
      if (total > maxBytes) {
        abortBody(response);
        throw tooLarge();
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    if (isOverLimit(error)) throw tooLarge();
    throw new RegistryError('UPSTREAM_ERROR', `${what}: the registry's answer was cut off`, {
      cause: error,
      transient: true,
    });
  }
}

/** Largest part of an error body read to find the registry's error code. */
const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * The RegistryError for an unexpected answer: the contract code from the status and the
 * registry's own code; the upstream body itself never reaches the message.
 */
export async function errorFromResponse(
  response: HttpResponse,
  what: string,
): Promise<RegistryError> {
  let registryCode: string | undefined;
  try {
    registryCode = registryCodeOf((await readBody(response, ERROR_BODY_LIMIT, what)).toString());
  } catch {
    registryCode = undefined;
  }
  const code = codeForStatus(response.status, registryCode);
  const suffix = registryCode ? ` ${registryCode}` : '';
  return new RegistryError(code, `${what}: registry answered ${response.status}${suffix}`, {
    statusCode: response.status,
    registryCode,
  });
}

/**
 * Whether an https origin offers HTTP/2: one TLS handshake offering `h2` and `http/1.1` (ALPN),
 * closed at once. False for http origins and on any failure (the requests themselves then say
 * what is wrong).
 */
async function offersHttp2(
  origin: string,
  connect: { timeout: number; secureContext?: SecureContext },
): Promise<boolean> {
  const url = new URL(origin);
  if (url.protocol !== 'https:') return false;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port: Number(url.port || 443),
      // SNI takes host names only
      ...(isIP(host) ? {} : { servername: host }),
      ALPNProtocols: ['h2', 'http/1.1'],
      ...(connect.secureContext ? { secureContext: connect.secureContext } : {}),
      timeout: connect.timeout,
    });
    const done = (h2: boolean) => {
      socket.destroy();
      resolve(h2);
    };
    socket.once('secureConnect', () => done(socket.alpnProtocol === 'h2'));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
