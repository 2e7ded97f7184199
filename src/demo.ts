/**
 * `npm run demo`: installs `docker-registry` if needed, starts one on a free loopback port with
 * temporary storage, seeds it with sample images through regql's own client, and serves the
 * gateway (mutations enabled) against it until Ctrl-C, then removes everything it started.
 */
import { loadConfig } from './config.js';
import { startLocalRegistry } from './demo/registry-process.js';
import { type DemoSummary, seedDemo } from './demo/seed.js';
import { ensureTools } from './demo/tools.js';
import { createRegistryClient } from './registry/client.js';
import { startServer } from './server.js';

/** The query the banner suggests trying in GraphiQL. */
const EXAMPLE_QUERY = `{
    repository(name: "demo/app") {
      tags(orderBy: CREATED_DESC) {
        nodes {
          name
          digest
          manifest {
            ... on ImageManifest {
              config { created exposedPorts }
              layers { size createdBy }
              referrers { artifactType digest }
            }
          }
        }
      }
    }
  }`;

/** What the demo prints once everything runs. */
function banner(gatewayUrl: string, registryUrl: string, summary: DemoSummary, seedMs: number) {
  const repositories = [...new Set(summary.tags.map((tag) => tag.repository))];
  const ignored = process.env.REGISTRY_URL ? ' (REGISTRY_URL is ignored by the demo)' : '';
  return `
regql demo is running, with mutations enabled.

  GraphiQL  ${gatewayUrl}/graphql
  Registry  ${registryUrl}  started for this demo on temporary storage${ignored}
  Seeded    ${repositories.join(', ')}: ${summary.tags.length} tags, ${summary.manifests} manifests, ${summary.blobs} blobs in ${Math.round(seedMs)} ms

Try this query in GraphiQL (the sha256-… tag is the SBOM's referrers tag index, since
registry 2.8 has no referrers API):

  ${EXAMPLE_QUERY}

Press Ctrl-C to stop; the registry and its storage are removed.
`;
}

/** Runs the demo until SIGINT or SIGTERM. */
async function main(): Promise<void> {
  await ensureTools({ 'docker-registry': 'docker-registry' }, 'npm run demo');
  const registry = await startLocalRegistry('regql-demo-');
  let closeGateway: (() => Promise<void>) | undefined;
  let stopping = false;
  const stop = async () => {
    // A second Ctrl-C exits at once; the registry process is still killed on exit.
    if (stopping) process.exit(130);
    stopping = true;
    console.log('\nStopping the gateway and the registry...');
    await closeGateway?.().catch((error: unknown) => console.error(error));
    await registry.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop()).on('SIGTERM', () => void stop());
  try {
    const client = createRegistryClient(registry.url);
    const started = performance.now();
    const summary = await seedDemo(client).finally(() => client.connection.close());
    const seedMs = performance.now() - started;
    const config = loadConfig({
      ...process.env,
      REGISTRY_URL: registry.url,
      REGISTRY_USERNAME: undefined,
      REGISTRY_PASSWORD: undefined,
      READ_ONLY: 'false',
    });
    const server = await startServer(config);
    closeGateway = server.close;
    console.log(banner(server.url, registry.url, summary, seedMs));
  } catch (error) {
    await registry.stop();
    throw error;
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const portTaken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
  const hint = portTaken ? '\nSet PORT to a free port, e.g. PORT=4001 npm run demo' : '';
  console.error(`npm run demo failed: ${message}${hint}`);
  process.exit(1);
});
