// Where a cold fan-out's CPU goes: `npm run bench:layers`. The same fan-out (every tag's manifest
// and config) read four ways, each layer adding one part of regql to the one before, against the
// same real registry, in interleaved rounds; prints each layer's CPU and what it adds.
import { createGateway } from '../src/gateway.js';
import { createLoaders } from '../src/loaders/index.js';
import { RegistryClient } from '../src/registry/client.js';
import type { ImageConfig } from '../src/registry/image-config.js';
import type { Manifest } from '../src/registry/manifest.js';
import { startServer } from '../src/server.js';
import { type Bench, type Mode, progress } from './common.js';
import { directly, gatewayConfig, queryFanOut } from './fan-out.js';
import { measureRounds, type Timing, timed } from './measure.js';
import { startBenchRegistry } from './registry-log.js';
import { formatTable, millis, row, times } from './report.js';
import { FAN_OUT_PREFIX, seedRegistry } from './seed.js';
import { readSettings } from './settings.js';

/** How a layer reads the fan-out: the catalog, tag lists, manifests by tag, configs by digest. */
interface FanOutReader {
  repositories(): Promise<string[]>;
  tags(repository: string): Promise<string[]>;
  manifest(repository: string, tag: string): Promise<Manifest>;
  config(repository: string, digest: string): Promise<ImageConfig>;
}

/** Reads every fan-out tag's creation time through `reader`; throws unless all `expected` have one. */
async function readFanOut(reader: FanOutReader, expected: number): Promise<void> {
  const names = await reader.repositories();
  const repositories = names.filter((name) => name.startsWith(FAN_OUT_PREFIX));
  const created = await Promise.all(
    repositories.map(async (repository) => {
      const tags = await reader.tags(repository);
      return Promise.all(
        tags.map(async (tag) => {
          const manifest = await reader.manifest(repository, tag);
          if (manifest.kind !== 'image') throw new Error(`${repository}:${tag} is no image`);
          return (await reader.config(repository, manifest.config.digest)).created;
        }),
      );
    }),
  );
  const dated = created.flat().filter((time) => time !== undefined).length;
  if (dated !== expected) throw new Error(`the fan-out read ${dated} dated tags of ${expected}`);
}

/**
 * One cold run of a layer on a fresh gateway's connection and cache (made and closed untimed, as
 * for the gateway layer): `client`, regql's registry client alone (each distinct config asked
 * once, as the direct client does); `loaders`, the request's DataLoaders over the digest cache.
 */
async function coldRun(bench: Bench, mode: Mode, layer: 'client' | 'loaders'): Promise<Timing> {
  const gateway = createGateway(gatewayConfig(mode.url));
  const client = new RegistryClient(gateway.connection);
  const expected = bench.settings.repos * bench.settings.tags;
  try {
    if (layer === 'loaders') {
      const loaders = createLoaders(client, gateway.cache);
      return await timed(() =>
        readFanOut(
          {
            repositories: () => client.catalog.all(),
            tags: (repository) => loaders.tags.load(repository),
            manifest: (repository, reference) => loaders.manifest.load({ repository, reference }),
            config: (repository, digest) => loaders.config.load({ repository, digest }),
          },
          expected,
        ),
      );
    }
    const configs = new Map<string, Promise<ImageConfig>>();
    return await timed(() =>
      readFanOut(
        {
          repositories: () => client.catalog.all(),
          tags: (repository) => client.tags.all(repository),
          manifest: (repository, tag) => client.manifests.get(repository, tag),
          config: (repository, digest) => {
            const key = `${repository}@${digest}`;
            const config = configs.get(key) ?? client.blobs.config(repository, digest);
            configs.set(key, config);
            return config;
          },
        },
        expected,
      ),
    );
  } finally {
    await gateway.close();
  }
}

/** What each layer adds, as printed. */
const LAYERS = {
  direct: 'direct undici client (the lower bound)',
  client: '+ regql registry client: auth, retries, digest checks, manifest and config parsing',
  loaders: "+ the request's DataLoaders and the digest cache",
  gateway: '+ GraphQL: Yoga, execution, the JSON answer (and its parsing by the caller)',
} as const;

/** Starts and seeds a registry, measures the four layers on loopback in rounds, prints the table. */
async function main(): Promise<void> {
  // the 2,000-tag repository of scenario 5 is not read here: one tag of it is seeded
  const settings = { ...readSettings(), bigTags: 1 };
  const { registry, log } = await startBenchRegistry('bench-layers-');
  try {
    const seeded = await seedRegistry(registry.url, settings);
    progress(`seeded ${seeded.images} images in ${seeded.seconds.toFixed(0)} s`);
    const bench: Bench = { settings, seeded, log };
    const mode: Mode = { name: 'loopback', url: registry.url, delayMs: 0 };
    const connections = gatewayConfig(mode.url).upstream.connections;
    const figures = await measureRounds(log, settings.layerRuns, {
      direct: () => timed(() => directly(bench, mode, connections)),
      client: () => coldRun(bench, mode, 'client'),
      loaders: () => coldRun(bench, mode, 'loaders'),
      gateway: async () => {
        const gateway = await startServer(gatewayConfig(mode.url));
        try {
          return await timed(() => queryFanOut(bench, gateway));
        } finally {
          await gateway.close();
        }
      },
    });
    const names = Object.keys(LAYERS) as (keyof typeof LAYERS)[];
    const cpu = (name: keyof typeof LAYERS) => figures[name].median.cpuMs;
    const rows = names.map((name, i) => {
      // a layer can measure cheaper than the one below it when the machine's noise says so
      const delta = i === 0 ? 0 : cpu(name) - cpu(names[i - 1]!);
      const added = i === 0 ? '' : `${delta < 0 ? '-' : '+'}${millis(Math.abs(delta))}`;
      return row(
        mode,
        LAYERS[name],
        `CPU ${millis(cpu(name))} ${added}`.trimEnd(),
        figures[name].median.requests,
        `wall ${millis(figures[name].median.ms)} (${times(figures[name].median.ms / figures.direct.median.ms)})`,
      );
    });
    console.log(`\n${formatTable(rows)}\n`);
    progress(`medians of ${settings.layerRuns} rounds, cold each time`);
  } finally {
    await registry.stop();
  }
}

await main();
