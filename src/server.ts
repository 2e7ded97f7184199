import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Config, ConfigError } from './config.js';
import { createGateway, type Gateway, type GatewayHooks } from './gateway.js';

/** A listening gateway. */
export interface RunningServer {
  /** `http://host:port`; GraphQL and GraphiQL are at `${url}/graphql`. */
  url: string;
  gateway: Gateway;
  /**
   * Shuts down gracefully: stops accepting connections, answers /ready with 503, lets in-flight
   * requests finish (up to SHUTDOWN_GRACE_MS, then closes them), and closes upstream connections.
   */
  close(): Promise<void>;
}

/** How often a shutdown looks for connections that have gone idle. */
const DRAIN_POLL_MS = 50;

/** Why the gateway cannot listen on `address` (HOST:PORT), in one line. */
function listenProblem(address: string, error: NodeJS.ErrnoException): string {
  return error.code === 'EADDRINUSE'
    ? `cannot listen on ${address}: the port is already in use (set PORT to a free one, or 0 for any)`
    : `cannot listen on ${address}: ${error.message} (check HOST and PORT)`;
}

/**
 * Starts the gateway on `config.host:config.port` (port 0 picks a free one); a ConfigError when it
 * cannot listen there.
 */
export async function startServer(
  config: Config,
  hooks: GatewayHooks = {},
): Promise<RunningServer> {
  const gateway = createGateway(config, hooks);
  const server: Server = createServer(gateway.yoga);
  let inFlight = 0;
  server.on('request', (_request, response) => {
    inFlight++;
    response.once('close', () => inFlight--);
  });
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    await gateway.close();
    throw new ConfigError([
      listenProblem(`${host}:${config.port}`, error as NodeJS.ErrnoException),
    ]);
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    gateway,
    close: async () => {
      gateway.drain();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + config.shutdownGraceMs;
      while (inFlight > 0 && Date.now() < deadline) {
        server.closeIdleConnections();
        await sleep(DRAIN_POLL_MS);
      }
      server.closeAllConnections();
      await closed;
      await gateway.close();
      gateway.logger.info({ unfinished: inFlight }, 'stopped');
    },
  };
}
