import { ConfigError, loadConfig } from './config.js';
import { startServer } from './server.js';

/** Serves the gateway against REGISTRY_URL until SIGINT or SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  console.log(
    `regql: GraphQL and GraphiQL at ${server.url}/graphql (registry ${config.registryUrl})`,
  );
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
