import { cpus, loadavg } from 'node:os';
import { freePort, registryNotifications } from '../src/demo/registry-process.js';
import { REGISTRY_EVENTS_PATH } from '../src/registry-events.js';
import { type Bench, elapsedSeconds, type Mode, progress } from './common.js';
import { forkDelayProxy } from './delay-proxy.js';
import { BENCH_EVENTS_TOKEN, fanOutRows, fanOutScenarios } from './fan-out.js';
import { hugeTagRows, hugeTagScenario, seededLine, seedHugeRepository } from './huge-tags.js';
import { forkLoadGenerator, startHelloWorld } from './load.js';
import { startBenchRegistry } from './registry-log.js';
import { formatTable, type Row, writeResults } from './report.js';
import { seedRegistry } from './seed.js';
import { readSettings } from './settings.js';
import { cachedQueryThroughput, HELLO, helloTarget, throughputRows } from './throughput.js';
import { MiB, uploadData, uploadRows, uploads } from './upload.js';

/** The rows of every mode, each scenario's rows together, in the order of the numbers. */
function sideBySide(rowsByMode: Row[][]): Row[] {
  const all = rowsByMode.flat();
  const scenarios = [...new Set(all.map((row) => row.scenario))];
  const number = (scenario: string) => Number.parseInt(scenario, 10);
  scenarios.sort((a, b) => number(a) - number(b));
  return scenarios.flatMap((scenario) => all.filter((row) => row.scenario === scenario));
}

/**
 * Starts a registry with its access log on (it counts every request at the registry's side),
 * seeds it, restarts it with notifications to the port of the gateway the registry events rows
 * ask, runs every scenario on loopback and through the delay proxy (and the memory use of
 * BENCH_HUGE_TAGS tags on loopback, once), prints the table and writes the figures to
 * bench/results/.
 */
async function main(): Promise<void> {
  const settings = readSettings();
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()[0]!;
  const { registry, log } = await startBenchRegistry('bench-registry-');
  const stops: (() => Promise<void>)[] = [registry.stop];
  try {
    const { repos, tags, bigTags, delayMs } = settings;
    progress(`registry at ${registry.url}; seeding ${repos} × ${tags} + ${bigTags} tags`);
    const seeded = await seedRegistry(registry.url, settings);
    progress(
      `seeded ${seeded.images} tags, ${seeded.blobs} blobs in ${seeded.seconds.toFixed(1)} s`,
    );
    const huge = await seedHugeRepository(registry, settings.hugeTags);
    progress(seededLine(huge));
    // notifications only now: the seeding's 25k pushes must not flood the events gateway
    const eventsPort = await freePort();
    const eventsUrl = `http://127.0.0.1:${eventsPort}${REGISTRY_EVENTS_PATH}`;
    await registry.restart(registryNotifications(eventsUrl, BENCH_EVENTS_TOKEN));
    progress(`registry restarted, notifying ${eventsUrl} (pulls and blob events ignored)`);
    const bench: Bench = { settings, seeded, log };
    const proxy = await forkDelayProxy(registry.url, delayMs);
    stops.unshift(proxy.child.stop);
    const load = await forkLoadGenerator();
    stops.unshift(load.stop);
    const hello = await startHelloWorld();
    stops.unshift(hello.close);
    const data = uploadData(settings.uploadMiB * MiB);
    const modes: Mode[] = [
      { name: 'loopback', url: registry.url, delayMs: 0 },
      { name: `+${delayMs} ms`, url: proxy.url, delayMs },
    ];
    const rowsByMode: Row[][] = [];
    const figures: Record<string, unknown> = {};
    for (const mode of modes) {
      const fanOut = await fanOutScenarios(bench, mode, eventsPort);
      // the hello world in every mode, in turns with the cached queries: the machine's load drifts
      const rates = await cachedQueryThroughput(bench, mode, load, [helloTarget(hello.url)]);
      const upload = await uploads(bench, mode, data);
      rowsByMode.push([
        ...fanOutRows(mode, fanOut),
        ...throughputRows(mode, rates, rates[HELLO]!),
        ...uploadRows(mode, upload, data),
      ]);
      figures[mode.name] = { fanOut, throughput: rates, upload };
    }
    const hugeTags = await hugeTagScenario(bench, registry.url, huge);
    rowsByMode.push(hugeTagRows(modes[0]!, hugeTags));
    figures.hugeTags = hugeTags;
    const rows = sideBySide(rowsByMode);
    const load1 = [loadBefore, loadavg()[0]!].map((load) => load.toFixed(1));
    console.log(`\n${formatTable(rows)}\n`);
    progress(
      `load average (1 min) ${load1.join(' at the start, ')} at the end, on ${cpus().length} CPUs`,
    );
    const path = await writeResults({
      startedAt,
      totalSeconds: elapsedSeconds(),
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        node: process.version,
        loadAverage: { start: loadBefore, end: loadavg()[0] },
      },
      settings,
      seeding: { images: seeded.images, blobs: seeded.blobs, seconds: seeded.seconds },
      hugeSeeding: {
        tags: huge.tags,
        images: huge.images,
        smaller: { tags: huge.smaller.tags, images: huge.smaller.images },
        seconds: huge.seconds,
      },
      rows,
      figures,
    });
    progress(`wrote ${path}`);
  } finally {
    for (const stop of stops) await stop();
  }
}

await main();
