// Scenario 10 alone: `npm run bench:huge` (BENCH_HUGE_TAGS as for the whole benchmark), to see
// how a request's memory changes with the number of tags without the other scenarios.
import { progress } from './common.js';
import { hugeTagRows, hugeTagScenario, seededLine, seedHugeRepository } from './huge-tags.js';
import { startBenchRegistry } from './registry-log.js';
import { formatTable } from './report.js';
import { readSettings } from './settings.js';

/** Starts a registry, seeds the huge repository, runs scenario 10 and prints its rows. */
async function main(): Promise<void> {
  const settings = readSettings();
  const { registry, log } = await startBenchRegistry('bench-huge-');
  try {
    const seeded = await seedHugeRepository(registry, settings.hugeTags);
    progress(seededLine(seeded));
    const figures = await hugeTagScenario({ settings, log }, registry.url, seeded);
    console.log(`\n${formatTable(hugeTagRows({ name: 'loopback' }, figures))}\n`);
  } finally {
    await registry.stop();
  }
}

await main();
