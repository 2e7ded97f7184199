/**
 * `npm run demo`: installs `docker-registry` if needed, starts one on a free loopback port with
 * temporary storage, seeds it with sample images through regql's own client, and serves the
 * gateway (mutations enabled) against it until Ctrl-C (or SIGTERM, or the terminal closing), then
 * removes everything it started.
 */
import { rmSync } from 'node:fs';
import { loadConfig } from './config.js';
import { type LocalRegistry, startLocalRegistry } from './demo/registry-process.js';
import { type DemoSummary, seedDemo } from './demo/seed.js';
import { ensureTools } from './demo/tools.js';
import { createRegistryClient } from './registry/client.js';
import { type RunningServer, startServer } from './server.js';

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
function banner(gatewayUrl: string, registry: LocalRegistry, summary: DemoSummary, seedMs: number) {
  const repositories = [...new Set(summary.tags.map((tag) => tag.repository))];
  const ignored = process.env.REGISTRY_URL ? ' (REGISTRY_URL is ignored by the demo)' : '';
  return `
regql demo is running, with mutations enabled.

  GraphiQL  ${gatewayUrl}/graphql
  Registry  ${registry.url}  started for this demo${ignored}
  Storage   ${registry.dir}  (temporary)
  Seeded    ${repositories.join(', ')}: ${summary.tags.length} tags, ${summary.manifests} manifests, ${summary.blobs} blobs in ${Math.round(seedMs)} ms

Try this query in GraphiQL (the sha256-… tag is the SBOM's referrers tag index, since
registry 2.8 has no referrers API):

  ${EXAMPLE_QUERY}

Press Ctrl-C to stop; the registry and its storage are removed.
`;
}

/** How often the demo checks that the process that started it (npm, say) is still there. */
const PARENT_CHECK_MS = 1_000;

/** What the demo has started so far, for shutDown to stop. */
const started: { registry?: Promise<LocalRegistry>; gateway?: RunningServer } = {};

/** Set by the first shutDown call. */
let shuttingDown = false;

/**
 * Closes the gateway, stops the registry (awaiting its exit) and removes its folder, then exits
 * with `code`, printing `notice` first if given. Only the first call does anything: Ctrl-C
 * reaches the demo twice (from the terminal, and forwarded by npm), and a repeated signal must
 * not cut the cleanup short.
 */
async function shutDown(code: number, notice?: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  if (notice) console.log(`\n${notice}; stopping the gateway and the registry...`);
  await started.gateway?.close().catch((error: unknown) => console.error(error));
  // a registry that failed to start has removed its folder already
  const registry = await started.registry?.catch(() => undefined);
  await registry?.stop().catch((error: unknown) => console.error(error));
  process.exit(code);
}

/**
 * Stops the demo on SIGINT (Ctrl-C), SIGTERM or SIGHUP (its terminal closed: npm dies of it, and
 * so would the demo, leaving the registry's folder), or when the process that started it is gone.
 */
function stopWhenAsked(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void shutDown(0, `Got ${signal}`));
  }
  // killed without a signal for us (npm got SIGKILL, say), the parent leaves this process orphaned
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutDown(0, 'The process that started the demo is gone');
  }, PARENT_CHECK_MS).unref();
}

/** Runs the demo until stopWhenAsked stops it. */
async function main(): Promise<void> {
  stopWhenAsked();
  await ensureTools({ 'docker-registry': 'docker-registry' }, 'npm run demo');
  started.registry = startLocalRegistry('regql-demo-');
  const registry = await started.registry;
  // should the process exit some other way (an uncaught error), the registry is killed on exit
  // (registry-process.ts), and its folder goes too
  process.once('exit', () => rmSync(registry.dir, { recursive: true, force: true, maxRetries: 3 }));
  const client = createRegistryClient(registry.url);
  const seedStarted = performance.now();
  const summary = await seedDemo(client).finally(() => client.connection.close());
  const seedMs = performance.now() - seedStarted;
  const config = loadConfig({
    ...process.env,
    REGISTRY_URL: registry.url,
    REGISTRY_USERNAME: undefined,
    REGISTRY_PASSWORD: undefined,
    READ_ONLY: 'false',
  });
  started.gateway = await startServer(config);
  console.log(banner(started.gateway.url, registry, summary, seedMs));
}

main().catch((error: unknown) => {
  // stopping while starting makes the start fail; shutDown exits by itself
  if (shuttingDown) return;
  const message = error instanceof Error ? error.message : String(error);
  const portTaken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
  const hint = portTaken ? '\nSet PORT to a free port, e.g. PORT=4001 npm run demo' : '';
  console.error(`npm run demo failed: ${message}${hint}`);
  void shutDown(1);
});
