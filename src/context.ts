import { setMaxListeners } from 'node:events';
import { GraphQLError } from 'graphql';
import type { Config } from './config.js';
import { type AccessCache, TRUSTED } from './loaders/access.js';
import type { DigestCache } from './loaders/cache.js';
import { createLoaders, type Loaders } from './loaders/index.js';
import type { UploadTracker } from './loaders/uploads.js';
import { requestIdFor } from './observability.js';
import type { Credentials } from './registry/auth.js';
import type { RegistryClient } from './registry/client.js';

/** What the gateway shares across requests. */
export interface Shared {
  config: Config;
  /** The client with the configured service account. */
  client: RegistryClient;
  cache: DigestCache;
  access: AccessCache;
  uploads: UploadTracker;
}

/** What every resolver gets: the caller's client, this request's loaders, and its abort signal. */
export interface Context extends Shared {
  /** The HTTP request. */
  request: Request;
  /** Its X-Request-Id. */
  requestId: string;
  /** When the request's context was made (performance.now()). */
  started: number;
  /** Upstream answers this request's calls received (token requests not counted). */
  upstreamCalls: { count: number };
  loaders: Loaders;
  /** Fires when the caller goes away or the operation's deadline passes. */
  signal: AbortSignal;
  /** Ends the operation's deadline timer. */
  finish(): void;
}

/** A caller's `Authorization` header as registry credentials (passthrough mode). */
export function callerCredentials(header: string | null): Credentials | undefined {
  if (!header) return undefined;
  const refuse = () =>
    new GraphQLError('the Authorization header must be Basic or Bearer credentials', {
      extensions: { code: 'UNAUTHORIZED', http: { status: 401 } },
    });
  const match = /^(Basic|Bearer) +([A-Za-z0-9._~+/=-]+) *$/i.exec(header);
  if (!match) throw refuse();
  const [, scheme = '', value = ''] = match;
  if (scheme.toLowerCase() === 'bearer') return { token: value };
  const pair = Buffer.from(value, 'base64').toString('utf8');
  const colon = pair.indexOf(':');
  if (colon < 1) throw refuse();
  return { username: pair.slice(0, colon), password: pair.slice(colon + 1) };
}

/**
 * The operation's abort signal: fires when the caller goes away (the server adapter's own signal
 * class is not honoured by undici, so this is a native one) or when the deadline passes.
 * `finish` clears the timer once the operation is done.
 */
function deadline(request: Request, ms: number): { signal: AbortSignal; finish(): void } {
  const controller = new AbortController();
  // every upstream call of the operation listens to this one signal
  setMaxListeners(0, controller.signal);
  const onAbort = () => controller.abort();
  if (request.signal.aborted) controller.abort();
  else request.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException('the operation timed out', 'TimeoutError')),
    ms,
  );
  timer.unref();
  return {
    signal: controller.signal,
    finish: () => {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * A fresh context for one request: new loaders over the shared digest cache. In passthrough mode
 * the registry sees the caller's own credentials, and cached content is served to the caller only
 * once the registry has confirmed the caller may read that repository.
 */
export function createContext(shared: Shared, request: Request): Context {
  const { signal, finish } = deadline(request, shared.config.operationTimeoutMs);
  const upstreamCalls = { count: 0 };
  let client = shared.client.derive({ signal, onCall: () => upstreamCalls.count++ });
  let access = TRUSTED;
  if (shared.config.authMode === 'passthrough') {
    const header = request.headers.get('authorization');
    client = client.withCredentials(callerCredentials(header));
    access = shared.access.forCaller(header ?? undefined);
  }
  const loaders = createLoaders(client, shared.cache, access);
  // every property named: an object spread followed by more properties is slow on Node 20
  return {
    config: shared.config,
    cache: shared.cache,
    access: shared.access,
    uploads: shared.uploads,
    request,
    requestId: requestIdFor(request),
    started: performance.now(),
    upstreamCalls,
    client,
    loaders,
    signal,
    finish,
  };
}
