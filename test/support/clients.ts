import { inject } from 'vitest';
import type { Credentials } from '../../src/registry/auth.js';
import {
  createRegistryClient,
  type RegistryClient,
  type RegistryClientOptions,
} from '../../src/registry/client.js';
import type { UpstreamEvent } from '../../src/registry/http.js';
import type { RegistryFlavour, SeededRegistry } from '../harness/types.js';

/** A client and the log of every upstream request it made. */
export interface LoggedClient {
  client: RegistryClient;
  log: UpstreamEvent[];
  /** Requests that went to the registry's own origin (token requests excluded). */
  registryRequests(): UpstreamEvent[];
}

/** The seeded registry of a flavour. */
export function seeded(flavour: RegistryFlavour): SeededRegistry {
  return inject('harness')[flavour];
}

/** A client for a test registry at `url`, logging every upstream answer. */
export function loggedClient(
  url: string,
  credentials?: Credentials,
  options: Omit<RegistryClientOptions, 'credentials' | 'onResponse'> = {},
): LoggedClient {
  const log: UpstreamEvent[] = [];
  const client = createRegistryClient(url, {
    credentials,
    ...options,
    onResponse: (event) => log.push(event),
  });
  const origin = new URL(url).origin;
  return { client, log, registryRequests: () => log.filter((e) => e.origin === origin) };
}

/** A client for a flavour's registry as `user` (its password from the harness), or anonymous. */
export function clientFor(flavour: RegistryFlavour, user?: string): LoggedClient {
  const { registry } = seeded(flavour);
  const password = user === undefined ? undefined : registry.users[user];
  if (user !== undefined && password === undefined) throw new Error(`no test user ${user}`);
  return loggedClient(
    registry.url,
    user === undefined ? undefined : { username: user, password: password as string },
  );
}
