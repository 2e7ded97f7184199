// Scenario 11: the cold fan-out and an upload against the registry behind TLS, over HTTP/1.1 and
// HTTP/2: `npm run bench:tls` (BENCH_REPOS, BENCH_TAGS, BENCH_DELAY_MS, BENCH_RUNS,
// BENCH_UPLOAD_MIB up to 64 as for the whole benchmark). Apart from `npm run bench`: it needs a
// registry of its own, with a certificate.

import { startServer } from '../src/server.js';
import { type Bench, type Mode, progress } from './common.js';
import { forkDelayProxy } from './delay-proxy.js';
import { directFanOut, tlsPoolOptions } from './direct-client.js';
import { gatewayConfig } from './fan-out.js';
import { fanOutQuery, postGraphql } from './graphql.js';
import { measureRounds, timed } from './measure.js';
import { type Certificate, startBenchRegistry } from './registry-log.js';
import { formatTable, millis, type Row, row, times } from './report.js';
import { FAN_OUT_PREFIX, seedRegistry } from './seed.js';
import { readSettings } from './settings.js';
import { MiB, type UploadData, uploadData, uploadDirectly } from './upload.js';

/** MiB of the TLS upload (at most; BENCH_UPLOAD_MIB if smaller). */
const UPLOAD_MIB = 64;

/**
 * The cold fan-out in one mode: the direct client over 64 HTTP/1.1 connections and over HTTP/2
 * streams on one connection, and regql (a fresh gateway each run) with UPSTREAM_HTTP2 off and on;
 * then a direct upload of `data` over HTTP/1.1 and HTTP/2.
 */
async function tlsRows(
  bench: Bench,
  mode: Mode,
  ca: Certificate,
  data: UploadData,
): Promise<Row[]> {
  const { repos, tags } = bench.settings;
  const variables = { prefix: FAN_OUT_PREFIX, repositories: repos, tags };
  const direct = (http2: boolean) => () =>
    timed(async () => {
      const read = await directFanOut(mode.url, 64, FAN_OUT_PREFIX, 'details', {
        ca: ca.pem,
        http2,
      });
      if (read.dated !== repos * tags) throw new Error(`the direct client dated ${read.dated}`);
    });
  const regql = (http2: boolean) => async () => {
    const settings = { REGISTRY_CA_FILE: ca.file, UPSTREAM_HTTP2: String(http2) };
    const gateway = await startServer(gatewayConfig(mode.url, settings));
    try {
      return await timed(() =>
        postGraphql(`${gateway.url}/graphql`, fanOutQuery(false), variables),
      );
    } finally {
      await gateway.close();
    }
  };
  const upload = (http2: boolean) => () =>
    timed(() =>
      uploadDirectly(mode.url, 'tls/upload', data, tlsPoolOptions(1, { ca: ca.pem, http2 })),
    );
  const m = await measureRounds(bench.log, bench.settings.runs, {
    directH1: direct(false),
    directH2: direct(true),
    regqlH1: regql(false),
    regqlH2: regql(true),
    uploadH1: upload(false),
    uploadH2: upload(true),
  });
  const rate = (name: keyof typeof m) => `${Math.round(data.size / MiB / (ms(name) / 1000))} MiB/s`;
  const ms = (name: keyof typeof m) => m[name].median.ms;
  const timedRow = (scenario: string, name: keyof typeof m, ratio: string) =>
    row(mode, scenario, millis(ms(name)), m[name].median.requests, ratio);
  return [
    timedRow('11 TLS, direct client, 64 HTTP/1.1 connections', 'directH1', 'baseline'),
    timedRow(
      '11 TLS, direct client, HTTP/2 (64 streams, one connection)',
      'directH2',
      `${times(ms('directH2') / ms('directH1'))} HTTP/1.1`,
    ),
    timedRow(
      '11 TLS, regql cold fan-out, HTTP/1.1 (the default)',
      'regqlH1',
      `${times(ms('regqlH1') / ms('directH1'))} direct HTTP/1.1`,
    ),
    timedRow(
      '11 TLS, regql cold fan-out, UPSTREAM_HTTP2=true',
      'regqlH2',
      `${times(ms('regqlH2') / ms('directH2'))} direct HTTP/2; ${times(ms('regqlH2') / ms('regqlH1'))} regql HTTP/1.1`,
    ),
    row(
      mode,
      `11 TLS, direct upload of ${data.size / MiB} MiB, HTTP/1.1`,
      rate('uploadH1'),
      '',
      'baseline',
    ),
    row(
      mode,
      `11 TLS, direct upload of ${data.size / MiB} MiB, HTTP/2`,
      rate('uploadH2'),
      '',
      `${times(ms('uploadH1') / ms('uploadH2'))} HTTP/1.1`,
    ),
  ];
}

/** Starts a TLS registry, seeds the fan-out, runs scenario 11 on loopback and at +delay, prints. */
async function main(): Promise<void> {
  const settings = readSettings();
  const { registry, log, ca } = await startBenchRegistry('bench-tls-', true);
  try {
    if (!ca) throw new Error('the TLS registry has no certificate');
    const seeded = await seedRegistry(registry.url, { ...settings, bigTags: 1 }, ca.pem);
    progress(`seeded ${seeded.images} tags over TLS in ${seeded.seconds.toFixed(1)} s`);
    const proxy = await forkDelayProxy(registry.url, settings.delayMs);
    try {
      const bench: Bench = { settings, seeded, log };
      const modes: Mode[] = [
        { name: 'loopback', url: registry.url, delayMs: 0 },
        // the proxy passes TLS through: its own URL, with the scheme the registry speaks
        {
          name: `+${settings.delayMs} ms`,
          url: proxy.url.replace(/^http:/, 'https:'),
          delayMs: settings.delayMs,
        },
      ];
      const rows: Row[] = [];
      const data = uploadData(Math.min(settings.uploadMiB, UPLOAD_MIB) * MiB);
      for (const mode of modes) rows.push(...(await tlsRows(bench, mode, ca, data)));
      console.log(`\n${formatTable(rows)}\n`);
    } finally {
      await proxy.child.stop();
    }
  } finally {
    await registry.stop();
  }
}

await main();
