import { startServer } from '../src/server.js';
import type { Child } from './child.js';
import { type Bench, type Mode, progress } from './common.js';
import { gatewayConfig } from './fan-out.js';
import type { LoadResult, LoadSpec } from './load.js';
import { median } from './measure.js';
import { type Row, row, times } from './report.js';

/** One throughput target: a GraphQL endpoint and the query every client repeats. */
export interface Target extends SmallQuery {
  url: string;
}

/** What one target achieved. */
export interface Rate {
  /** Median over the one-second slices. */
  perSecond: number;
  slices: number[];
  failed: number;
  /** Requests the registry saw during the measured slices. */
  upstream: number;
}

/** The query of scenario 6's baseline, Yoga's hello world (see load.ts). */
export const HELLO_QUERY: SmallQuery = {
  name: 'Yoga hello world',
  query: '{ hello }',
  expect: '"world"',
};

/** The baseline of scenario 6 at `url`. */
export function helloTarget(url: string): Target {
  return { ...HELLO_QUERY, url };
}

/** The name of the baseline target. */
export const HELLO = HELLO_QUERY.name;

/** The cached small query the issue sets its target for: one manifest by digest. */
const IMAGE = 'regql image(repo@digest)';

/** The same manifest inside its repository, which the issue sets a target for too. */
const REPOSITORY_MANIFEST = 'regql repository{manifest(digest)}';

/** The least ratio to the hello world each cached query must reach. */
const TARGETS: Record<string, number> = { [IMAGE]: 0.7, [REPOSITORY_MANIFEST]: 0.9 };

/** A query the throughput scenario repeats, and text every good answer contains. */
export interface SmallQuery {
  name: string;
  query: string;
  expect: string;
}

/** The cached small queries on a manifest: by digest alone, and inside its repository. */
export function cachedQueries(sample: { repository: string; digest: string }): SmallQuery[] {
  const { repository, digest } = sample;
  return [
    {
      name: IMAGE,
      query: `{ image(reference: "${repository}@${digest}") { digest size } }`,
      expect: digest,
    },
    {
      // the manifest the field below reads says the repository exists: no request of its own
      name: REPOSITORY_MANIFEST,
      query: `{ repository(name: "${repository}") { manifest(reference: "${digest}") { digest size } } }`,
      expect: digest,
    },
  ];
}

/**
 * Scenario 6: BENCH_CLIENTS clients loop one target's query for a second, target after target,
 * BENCH_SECONDS times (after one discarded warm-up slice each, which also fills the gateway's
 * cache); counts the registry's requests during the measured slices.
 */
async function throughput(
  bench: Bench,
  mode: Mode,
  load: Child<LoadSpec, LoadResult>,
  targets: readonly Target[],
): Promise<Record<string, Rate>> {
  const { clients, seconds } = bench.settings;
  const rates = new Map<string, Rate>(
    targets.map((t) => [t.name, { perSecond: 0, slices: [], failed: 0, upstream: 0 }]),
  );
  for (let slice = 0; slice <= seconds; slice++) {
    for (const target of targets) {
      const mark = await bench.log.mark();
      const body = JSON.stringify({ query: target.query });
      const result = await load.call({ ...target, body, clients, seconds: 1 });
      const upstream = (await bench.log.since(mark)).length;
      const rate = rates.get(target.name)!;
      if (slice === 0) continue;
      rate.slices.push(result.perSecond);
      rate.failed += result.failed;
      rate.upstream += upstream;
      rate.perSecond = median(rate.slices);
    }
  }
  const summary = [...rates].map(([name, r]) => `${name} ${Math.round(r.perSecond)} req/s`);
  progress(`${mode.name}: ${summary.join(', ')}`);
  return Object.fromEntries(rates);
}

/**
 * Scenario 6 in one mode: the cached queries against a gateway of their own, in turns with
 * `baselines` (the hello world, measured in every mode).
 */
export async function cachedQueryThroughput(
  bench: Bench,
  mode: Mode,
  load: Child<LoadSpec, LoadResult>,
  baselines: readonly Target[],
): Promise<Record<string, Rate>> {
  const gateway = await startServer(gatewayConfig(mode.url));
  try {
    const url = `${gateway.url}/graphql`;
    const targets = cachedQueries(bench.seeded.sample).map((q) => ({ ...q, url }));
    return await throughput(bench, mode, load, [...baselines, ...targets]);
  } finally {
    await gateway.close();
  }
}

/** The table rows of scenario 6, each rate compared with the hello world's. */
export function throughputRows(mode: Mode, rates: Record<string, Rate>, hello: Rate): Row[] {
  const perSecond = (r: Rate) =>
    `${Math.round(r.perSecond)} req/s${r.failed ? ` (${r.failed} failed)` : ''}`;
  return Object.entries(rates).map(([name, r]) => {
    if (name === HELLO) return row(mode, `6 throughput, ${name}`, perSecond(r), '', 'baseline');
    const ratio = r.perSecond / hello.perSecond;
    const least = TARGETS[name];
    const target: [string, boolean?] =
      least === undefined ? [''] : [`≥ ${least.toFixed(2)}×`, ratio >= least];
    return row(
      mode,
      `6 throughput, ${name}`,
      perSecond(r),
      r.upstream,
      `${times(ratio)} ${HELLO}`,
      ...target,
    );
  });
}
