import type { Config } from './config.js';
import type { DigestCache } from './loaders/cache.js';
import { createLoaders, type Loaders } from './loaders/index.js';
import type { UploadTracker } from './loaders/uploads.js';
import type { RegistryClient } from './registry/client.js';

/** What the gateway shares across requests. */
export interface Shared {
  config: Config;
  client: RegistryClient;
  cache: DigestCache;
  uploads: UploadTracker;
}

/** What every resolver gets: the shared state, this request's loaders, and its abort signal. */
export interface Context extends Shared {
  loaders: Loaders;
  /** Fires when the caller goes away. */
  signal: AbortSignal | undefined;
}

/** A fresh context for one request: new loaders over the shared client and digest cache. */
export function createContext(shared: Shared, signal: AbortSignal | undefined): Context {
  return { ...shared, loaders: createLoaders(shared.client, shared.cache), signal };
}
