import { GraphQLError } from 'graphql';
import type { Config } from './config.js';
import { type AccessCache, TRUSTED } from './loaders/access.js';
import type { DigestCache } from './loaders/cache.js';
import { createLoaders, type Loaders } from './loaders/index.js';
import type { UploadTracker } from './loaders/uploads.js';
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
  loaders: Loaders;
  /** Fires when the caller goes away. */
  signal: AbortSignal | undefined;
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
 * A native AbortSignal that follows the request's: the server adapter hands over its own signal
 * class, which undici does not honour, so an upstream call would outlive a caller who left.
 */
function nativeSignal(signal: AbortSignal): AbortSignal {
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller.signal;
}

/**
 * A fresh context for one request: new loaders over the shared digest cache. In passthrough mode
 * the registry sees the caller's own credentials, and cached content is served to the caller only
 * once the registry has confirmed the caller may read that repository.
 */
export function createContext(shared: Shared, request: Request): Context {
  let { client } = shared;
  let access = TRUSTED;
  if (shared.config.authMode === 'passthrough') {
    const header = request.headers.get('authorization');
    client = shared.client.withCredentials(callerCredentials(header));
    access = shared.access.forCaller(header ?? undefined);
  }
  return {
    ...shared,
    client,
    loaders: createLoaders(client, shared.cache, access),
    signal: nativeSignal(request.signal),
  };
}
