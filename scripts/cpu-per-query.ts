/**
 * The gateway's own CPU time per cached query, measured without sockets so that other work on a
 * shared machine moves it little (wall-clock throughput does move). A local registry gets one
 * image; then Yoga's hello world and the gateway (in this process, LOG_LEVEL warn as in the
 * benchmark) each answer CPU_QUERIES queries (default 8000) through `yoga.fetch`, 16 at a time,
 * CPU_ROUNDS times (default 7, the first two discarded as warm-up). Prints the CPU time of this
 * process per query, lowest and median over the rounds, for: `{ hello }`, the benchmark's
 * `image(reference: "repo@digest")` and `repository { manifest(reference: digest) }`.
 *
 *   node --import tsx scripts/cpu-per-query.ts
 */
import { gatewayConfig } from '../bench/fan-out.js';
import { helloWorldYoga } from '../bench/load.js';
import { median } from '../bench/measure.js';
import { seedRegistry } from '../bench/seed.js';
import { readSettings } from '../bench/settings.js';
import { cachedQueries, HELLO_QUERY, type SmallQuery } from '../bench/throughput.js';
import { startLocalRegistry } from '../src/demo/registry-process.js';
import { createGateway } from '../src/gateway.js';

/** Anything that answers a fetch-style request. */
type Fetch = (url: string, init: RequestInit) => Promise<Response> | Response;

/** Queries per round. */
const QUERIES = Number(process.env.CPU_QUERIES ?? 8000);
/** Rounds, of which the first two warm up. */
const ROUNDS = Number(process.env.CPU_ROUNDS ?? 7);
/** Queries in flight at once. */
const CONCURRENCY = 16;

/** CPU microseconds of this process per query (every round after the warm-up). */
async function cpuPerQuery(fetch: Fetch, query: string, expect: string): Promise<number[]> {
  const body = JSON.stringify({ query });
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  };
  const one = async () => {
    const response = await fetch('http://regql.test/graphql', { method: 'POST', headers, body });
    const text = await response.text();
    if (!text.includes(expect)) throw new Error(`unexpected answer: ${text.slice(0, 200)}`);
  };
  const perQuery: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = process.cpuUsage();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = 0; i < QUERIES / CONCURRENCY; i++) await one();
      }),
    );
    const { user, system } = process.cpuUsage(before);
    if (round >= 2) perQuery.push((user + system) / QUERIES);
  }
  return perQuery;
}

const registry = await startLocalRegistry('cpu-per-query-');
try {
  const settings = readSettings({ BENCH_REPOS: '1', BENCH_TAGS: '1', BENCH_BIG_TAGS: '1' });
  const { repository, digest } = (await seedRegistry(registry.url, settings)).sample;
  const hello = helloWorldYoga();
  const gateway = createGateway(gatewayConfig(registry.url));
  try {
    const targets: [SmallQuery, Fetch][] = [
      [HELLO_QUERY, hello.fetch],
      ...cachedQueries({ repository, digest }).map((q): [SmallQuery, Fetch] => [
        q,
        gateway.yoga.fetch,
      ]),
    ];
    for (const [{ name, query, expect }, fetch] of targets) {
      const perQuery = await cpuPerQuery(fetch, query, expect);
      const lowest = Math.min(...perQuery).toFixed(0);
      console.log(
        `${name.padEnd(60)} ${lowest} µs lowest, ${median(perQuery).toFixed(0)} µs median`,
      );
    }
  } finally {
    await gateway.close();
  }
} finally {
  await registry.stop();
}
