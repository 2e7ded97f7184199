// Scenario 7 alone, on loopback: `npm run bench:upload` (BENCH_RUNS, BENCH_UPLOAD_MIB as for the
// whole benchmark). A quick before/after check of the upload path without the other scenarios.
import { progress } from './common.js';
import { startBenchRegistry } from './registry-log.js';
import { formatTable } from './report.js';
import { readSettings } from './settings.js';
import { MiB, uploadData, uploadRows, uploads } from './upload.js';

/** Starts a registry with its access log on, runs scenario 7 on loopback and prints its rows. */
async function main(): Promise<void> {
  const settings = readSettings();
  const { registry, log } = await startBenchRegistry('bench-upload-');
  try {
    const mode = { name: 'loopback', url: registry.url, delayMs: 0 };
    const data = uploadData(settings.uploadMiB * MiB);
    const upload = await uploads({ settings, log }, mode, data);
    const rate = (ms: number[]) => ms.map((m) => Math.round(data.size / MiB / (m / 1000)));
    progress(`direct MiB/s per run: ${rate(upload.direct.ms).join(', ')}`);
    progress(`regql MiB/s per run: ${rate(upload.regql.ms).join(', ')}`);
    console.log(`\n${formatTable(uploadRows(mode, upload, data))}\n`);
  } finally {
    await registry.stop();
  }
}

await main();
