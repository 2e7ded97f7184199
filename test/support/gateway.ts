import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, print } from 'graphql';
import { loadConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import type { UpstreamEvent } from '../../src/registry/http.js';
import type { RegistryFlavour } from '../harness/types.js';
import { seeded } from './clients.js';

/** A gateway in front of a test registry, without a port (Yoga's fetch), logging upstream calls. */
export interface TestGateway {
  gateway: Gateway;
  /** Every upstream answer, in order. */
  log: UpstreamEvent[];
  /** Runs a typed operation; `headers` go on the GraphQL request. */
  execute<R, V>(
    document: TypedDocumentNode<R, V>,
    variables?: V,
    headers?: Record<string, string>,
  ): Promise<ExecutionResult<R>>;
  /** Upstream answers from the registry's origin since `mark` (token requests excluded). */
  registryCallsSince(mark: number): UpstreamEvent[];
  close(): Promise<void>;
}

/** A gateway for a flavour's registry, with extra environment settings. */
export function gatewayFor(
  flavour: RegistryFlavour,
  env: Record<string, string> = {},
): TestGateway {
  return gatewayAt(seeded(flavour).registry.url, env);
}

/** A gateway for the registry (or proxy) at `url`, with extra environment settings. */
export function gatewayAt(url: string, env: Record<string, string> = {}): TestGateway {
  const registry = { url };
  const config = loadConfig({ REGISTRY_URL: registry.url, LOG_LEVEL: 'silent', ...env });
  const log: UpstreamEvent[] = [];
  const gateway = createGateway(config, { onUpstream: (event) => log.push(event) });
  const origin = new URL(registry.url).origin;
  return {
    gateway,
    log,
    execute: async (document, variables, headers = {}) => {
      const response = await gateway.yoga.fetch('http://regql.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify({ query: print(document), variables }),
      });
      return (await response.json()) as ExecutionResult<never>;
    },
    registryCallsSince: (mark) => log.slice(mark).filter((event) => event.origin === origin),
    close: () => gateway.close(),
  };
}
