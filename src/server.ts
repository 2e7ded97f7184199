import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { createGateway, type Gateway } from './gateway.js';

/** A listening gateway. */
export interface RunningServer {
  /** `http://host:port`; GraphQL and GraphiQL are at `${url}/graphql`. */
  url: string;
  gateway: Gateway;
  /** Stops listening, lets in-flight requests finish, and closes upstream connections. */
  close(): Promise<void>;
}

/** Starts the gateway on `config.host:config.port` (port 0 picks a free one). */
export async function startServer(config: Config): Promise<RunningServer> {
  const gateway = createGateway(config);
  const server: Server = createServer(gateway.yoga);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    gateway,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    },
  };
}
