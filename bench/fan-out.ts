import { type Config, loadConfig } from '../src/config.js';
import { type RunningServer, startServer } from '../src/server.js';
import type { Child } from './child.js';
import { type Bench, type Mode, progress } from './common.js';
import { directFanOut, type Reach } from './direct-client.js';
import { type FirstPartResult, type FirstPartSpec, forkFirstPartClient } from './first-part.js';
import {
  type FanOutData,
  fanOutQuery,
  NEWEST_QUERY,
  type NewestData,
  postGraphql,
} from './graphql.js';
import { type Measured, measureRounds, type Timing, timed } from './measure.js';
import { millis, type Row, row, times } from './report.js';
import { BIG_REPOSITORY, FAN_OUT_PREFIX } from './seed.js';

/** Connections a browser opens per host over HTTP/1.1. */
const BROWSER_CONNECTIONS = 6;

/** Scenarios 1–5 and 9 (and the figures of 8) in one mode. */
export interface FanOut {
  lower: Measured;
  browser: Measured;
  cold: Measured;
  warm: Measured;
  newestCold: Measured;
  newestWarm: Measured;
  /** Warm again, on a gateway with TAG_TTL_MS (tags reused, not asked). */
  warmTtl: Measured;
  /** Warm again, on a gateway with RESPONSE_CACHE_TTL_MS (whole answers reused). */
  warmAnswers: Measured;
  /** Warm again, on a gateway the registry notifies (REGISTRY_EVENTS_TOKEN: tags fresh until an event). */
  warmEvents: Measured;
  newestWarmTtl: Measured;
  newestWarmEvents: Measured;
  /** The deferred fan-out until its first part (every tag name). */
  firstPart: Measured;
  /** The direct client reading only what the first part needs: the catalog and the tag lists. */
  listing: Measured;
  /** The streamed fan-out until its first part naming a tag (the first repository's). */
  firstStreamed: Measured;
  /** The direct client reading what that part needs: the catalog, then the first tag list. */
  firstListing: Measured;
}

/** The tag TTL of the `warmTtl` scenarios: longer than a mode's rounds take. */
export const BENCH_TAG_TTL_MS = 600_000;

/** The REGISTRY_EVENTS_TOKEN of the `warmEvents` gateway, which the bench registry's notifications carry. */
export const BENCH_EVENTS_TOKEN = 'bench-registry-events-token';

/**
 * The configuration of an in-process gateway for a registry URL: the environment's settings (log
 * level `warn` unless LOG_LEVEL says otherwise: no line per request, like the hello world), any
 * free loopback port.
 */
export function gatewayConfig(registryUrl: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    LOG_LEVEL: 'warn',
    ...process.env,
    REGISTRY_URL: registryUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    ...env,
  });
}

/** The fan-out query's variables. */
function fanOutVariables(bench: Bench) {
  const { repos, tags } = bench.settings;
  return { prefix: FAN_OUT_PREFIX, repositories: repos, tags };
}

/** The tags of a fan-out answer; throws unless there are as many as were seeded. */
function fanOutTags(bench: Bench, data: FanOutData) {
  const nodes = data.repositories.nodes.flatMap((repository) => repository.tags.nodes);
  const expected = bench.settings.repos * bench.settings.tags;
  if (nodes.length !== expected) throw new Error(`the fan-out answered ${nodes.length} tags`);
  return nodes;
}

/** The fan-out query through a gateway; throws unless every tag came back with a creation time. */
export async function queryFanOut(bench: Bench, gateway: RunningServer): Promise<void> {
  const url = `${gateway.url}/graphql`;
  const data = await postGraphql<FanOutData>(url, fanOutQuery(false), fanOutVariables(bench));
  if (!fanOutTags(bench, data).every((tag) => tag.manifest?.config?.created)) {
    throw new Error('the fan-out answered tags without a creation time');
  }
}

/**
 * The fan-out delivered incrementally, through a fresh gateway, timed by `client` (a process of
 * its own) until the first part naming a tag. Throws unless, `deferred`, that is the initial part
 * and it names every tag; or, `streamed`, a later part (the initial one names no repository).
 */
async function timeFirstPart(
  bench: Bench,
  config: Config,
  client: Child<FirstPartSpec, FirstPartResult>,
  delivery: 'deferred' | 'streamed',
): Promise<Timing> {
  const gateway = await startServer(config);
  try {
    const cpu = process.cpuUsage();
    const { ms, tags, part } = await client.call({
      url: `${gateway.url}/graphql`,
      query: fanOutQuery(true, delivery === 'streamed'),
      variables: fanOutVariables(bench),
    });
    const { user, system } = process.cpuUsage(cpu);
    const expected = bench.settings.repos * bench.settings.tags;
    if (delivery === 'deferred' ? part !== 0 || tags !== expected : part === 0) {
      throw new Error(`the first ${delivery} part naming a tag was part ${part}, with ${tags}`);
    }
    return { ms, cpuMs: (user + system) / 1000 };
  } finally {
    await gateway.close();
  }
}

/** The CREATED_DESC query through a gateway; throws unless it names the seeded newest tags. */
async function queryNewest(bench: Bench, gateway: RunningServer): Promise<void> {
  const data = await postGraphql<NewestData>(`${gateway.url}/graphql`, NEWEST_QUERY, {
    repository: BIG_REPOSITORY,
  });
  const names = data.repository.tags.nodes.map((tag) => tag.name).join(',');
  if (names !== bench.seeded.newest.join(',')) throw new Error(`CREATED_DESC answered ${names}`);
}

/**
 * The direct client; throws unless it read every tag (the first repository's for `first names`),
 * each with a creation time when the details were asked for.
 */
export async function directly(
  bench: Bench,
  mode: Mode,
  connections: number,
  reach: Reach = 'details',
): Promise<void> {
  const { tags, dated } = await directFanOut(mode.url, connections, FAN_OUT_PREFIX, reach);
  const { repos, tags: perRepository } = bench.settings;
  const expected = (reach === 'first names' ? 1 : repos) * perRepository;
  if (tags !== expected || dated !== (reach === 'details' ? expected : 0)) {
    throw new Error(`the direct client read ${tags} tags, ${dated} dated`);
  }
}

/**
 * Scenarios 1–5 and 9 in one mode, in rounds. Each cold run gets a fresh gateway (empty cache, no
 * connections yet); the warm run after it asks the same gateway again, which it then closes. The
 * TTL variants ask one gateway with TAG_TTL_MS, the answer-cache variant one with
 * RESPONSE_CACHE_TTL_MS, the events variants one with REGISTRY_EVENTS_TOKEN listening on
 * `eventsPort` (where the registry's notifications go), each filled (untimed) before the rounds.
 */
export async function fanOutScenarios(
  bench: Bench,
  mode: Mode,
  eventsPort: number,
): Promise<FanOut> {
  const config = gatewayConfig(mode.url);
  const ttl = String(BENCH_TAG_TTL_MS);
  const withTtl = await startServer(gatewayConfig(mode.url, { TAG_TTL_MS: ttl }));
  const withAnswers = await startServer(gatewayConfig(mode.url, { RESPONSE_CACHE_TTL_MS: ttl }));
  const withEvents = await startServer(
    gatewayConfig(mode.url, {
      REGISTRY_EVENTS_TOKEN: BENCH_EVENTS_TOKEN,
      PORT: String(eventsPort),
    }),
  );
  const client = await forkFirstPartClient();
  try {
    // untimed, so at once: at +30 ms that takes a third of the time one after the other does
    await Promise.all([
      ...[withTtl, withEvents].map(async (gateway) => {
        await queryFanOut(bench, gateway);
        await queryNewest(bench, gateway);
      }),
      queryFanOut(bench, withAnswers),
    ]);
    const parts = { withTtl, withAnswers, withEvents, client };
    const figures = await fanOutRounds(bench, mode, config, parts);
    progress(`${mode.name}: the events gateway took ${await eventsTaken(withEvents)} events`);
    return figures;
  } finally {
    await Promise.all([withTtl.close(), withAnswers.close(), withEvents.close(), client.stop()]);
  }
}

/** Registry events a gateway accepted (every action): none are expected once seeding is done. */
async function eventsTaken(gateway: RunningServer): Promise<number> {
  const metric = await gateway.gateway.metrics.registry
    .getSingleMetric('regql_registry_events_total')
    ?.get();
  return (metric?.values ?? []).reduce((sum, { value }) => sum + value, 0);
}

/** The long-lived parts of fanOutRounds: the three filled gateways, and the first-part client. */
interface RoundParts {
  withTtl: RunningServer;
  withAnswers: RunningServer;
  withEvents: RunningServer;
  client: Child<FirstPartSpec, FirstPartResult>;
}

/**
 * The rounds of fanOutScenarios; `withTtl` is the filled gateway with a tag TTL, `withAnswers` the
 * one with a response cache, `withEvents` the one the registry notifies, `client` the first-part
 * client.
 */
async function fanOutRounds(
  bench: Bench,
  mode: Mode,
  config: Config,
  { withTtl, withAnswers, withEvents, client }: RoundParts,
): Promise<FanOut> {
  let gateway: RunningServer | undefined;
  type Query = (bench: Bench, gateway: RunningServer) => Promise<void>;
  const cold = (query: Query) => async () => {
    gateway = await startServer(config);
    const started = gateway;
    return timed(() => query(bench, started));
  };
  const warm = (query: Query) => async () => {
    const started = gateway!;
    try {
      return await timed(() => query(bench, started));
    } finally {
      await started.close();
    }
  };
  const figures = await measureRounds(bench.log, bench.settings.runs, {
    lower: () => timed(() => directly(bench, mode, config.upstream.connections)),
    browser: () => timed(() => directly(bench, mode, BROWSER_CONNECTIONS)),
    cold: cold(queryFanOut),
    warm: warm(queryFanOut),
    newestCold: cold(queryNewest),
    newestWarm: warm(queryNewest),
    warmTtl: () => timed(() => queryFanOut(bench, withTtl)),
    warmAnswers: () => timed(() => queryFanOut(bench, withAnswers)),
    warmEvents: () => timed(() => queryFanOut(bench, withEvents)),
    newestWarmTtl: () => timed(() => queryNewest(bench, withTtl)),
    newestWarmEvents: () => timed(() => queryNewest(bench, withEvents)),
    firstPart: () => timeFirstPart(bench, config, client, 'deferred'),
    listing: () => timed(() => directly(bench, mode, config.upstream.connections, 'names')),
    firstStreamed: () => timeFirstPart(bench, config, client, 'streamed'),
    firstListing: () =>
      timed(() => directly(bench, mode, config.upstream.connections, 'first names')),
  });
  const medians = Object.entries(figures).map(
    ([name, m]) => `${name} ${millis(m.median.ms)} (${m.median.requests})`,
  );
  progress(`${mode.name}: ${medians.join(', ')}`);
  return figures;
}

/** How many of a run's registry requests are of the kinds `pattern` matches. */
function countKinds(upstream: Record<string, number>, pattern: RegExp): number {
  return Object.entries(upstream)
    .filter(([kind]) => pattern.test(kind))
    .reduce((sum, [, count]) => sum + count, 0);
}

/** `n`, or `low–high` when the timed runs saw different counts. */
function requestRange(m: Measured): string {
  const low = Math.min(...m.requests);
  const high = Math.max(...m.requests);
  return low === high ? String(low) : `${low}–${high}`;
}

/** How the rows of the gateway the registry notifies name its setting. */
const EVENTS_SETTING = 'registry events (REGISTRY_EVENTS_TOKEN)';

/** The table rows of scenarios 1–5, 8 and 9 in one mode; targets only where the issue sets them. */
export function fanOutRows(mode: Mode, f: FanOut): Row[] {
  const ms = (m: Measured) => m.median.ms;
  const timedRow = (scenario: string, m: Measured, ratio: string, target = '', met?: boolean) =>
    row(mode, scenario, millis(ms(m)), requestRange(m), ratio, target, met);
  const check = (scenario: string, ratio: string, target: string, met: boolean | undefined) =>
    row(mode, scenario, '', '', ratio, target, met);
  const onlyIf = (applies: boolean, target: string, met: boolean): [string, boolean?] =>
    applies ? [target, met] : [''];
  const cpuPerRequest = (m: Measured) => (1000 * m.median.cpuMs) / m.median.requests;
  const busy = (m: Measured) => `busy ${Math.round((100 * m.median.cpuMs) / ms(m))}% of wall`;
  const cold = ms(f.cold) / ms(f.lower);
  const coldSpeedUp = ms(f.browser) / ms(f.cold);
  const warm = ms(f.warm) / ms(f.cold);
  const warmSpeedUp = ms(f.browser) / ms(f.warm);
  const newest = ms(f.newestWarm) / ms(f.newestCold);
  // digest-addressed content: manifests by digest and blobs (a blob is always by digest)
  const warmGets = countKinds(f.warm.upstream, /^GET (manifest by digest|blob)/);
  const warmNotModified = countKinds(f.warm.upstream, /^GET manifest by tag \(304\)$/);
  const requests = (m: Measured) => m.median.requests;
  const roundTrips = (m: Measured) => ms(m) / mode.delayMs;
  const firstPartRatio = (m: Measured, direct: Measured, what: string) =>
    [
      ...(mode.delayMs > 0
        ? [`${roundTrips(m).toFixed(1)} round trips of ${mode.delayMs} ms`]
        : []),
      `${times(ms(m) / ms(direct))} the direct ${what} (${millis(ms(direct))})`,
    ].join('; ');
  return [
    timedRow('1 lower bound: direct undici, regql cap', f.lower, 'baseline'),
    timedRow(
      `2 browser-style: ${BROWSER_CONNECTIONS} connections`,
      f.browser,
      `${times(ms(f.browser) / ms(f.lower))} lower bound`,
    ),
    timedRow('3 regql cold fan-out', f.cold, `${times(cold)} lower bound`, '≤ 1.05×', cold <= 1.05),
    check(
      '3   upstream requests vs distinct objects',
      `${requests(f.cold)} vs ${requests(f.lower)}`,
      'equal',
      requests(f.cold) === requests(f.lower),
    ),
    check(
      '3   speed-up vs browser-style',
      times(coldSpeedUp),
      ...onlyIf(mode.delayMs > 0, '≥ 4×', coldSpeedUp >= 4),
    ),
    timedRow(
      '4 regql warm fan-out',
      f.warm,
      `${times(warm)} cold`,
      ...onlyIf(mode.delayMs === 0, '≤ 0.5×', warm <= 0.5),
    ),
    check(
      '4   speed-up vs browser-style',
      times(warmSpeedUp),
      ...onlyIf(mode.delayMs > 0, '≥ 10×', warmSpeedUp >= 10),
    ),
    check(
      '4   GETs of digest-addressed manifests/blobs when warm',
      `${warmGets} (tags: ${warmNotModified} conditional GETs answered 304)`,
      '0',
      warmGets === 0,
    ),
    ...[
      [`TAG_TTL_MS=${BENCH_TAG_TTL_MS}`, f.warmTtl] as const,
      [`RESPONSE_CACHE_TTL_MS=${BENCH_TAG_TTL_MS}`, f.warmAnswers] as const,
      [EVENTS_SETTING, f.warmEvents] as const,
    ].map(([setting, m]) =>
      timedRow(
        `4 regql warm fan-out, ${setting}`,
        m,
        `${times(ms(m) / ms(f.cold))} cold; ${times(ms(f.browser) / ms(m))} faster than browser-style`,
        ...onlyIf(mode.delayMs > 0, '≥ 10× browser', ms(f.browser) / ms(m) >= 10),
      ),
    ),
    timedRow('5 CREATED_DESC first 20 of big repo, cold', f.newestCold, ''),
    timedRow(
      '5 CREATED_DESC first 20 of big repo, warm',
      f.newestWarm,
      `${times(newest)} cold`,
      '≤ 0.2×',
      newest <= 0.2,
    ),
    ...[
      [`TAG_TTL_MS=${BENCH_TAG_TTL_MS}`, f.newestWarmTtl] as const,
      [EVENTS_SETTING, f.newestWarmEvents] as const,
    ].map(([setting, m]) =>
      timedRow(
        `5 CREATED_DESC first 20 of big repo, warm, ${setting}`,
        m,
        `${times(ms(m) / ms(f.newestCold))} cold`,
        '≤ 0.2×',
        ms(m) / ms(f.newestCold) <= 0.2,
      ),
    ),
    row(
      mode,
      '8 gateway CPU per upstream request, cold fan-out',
      `${Math.round(cpuPerRequest(f.cold))} µs`,
      '',
      `${times(cpuPerRequest(f.cold) / cpuPerRequest(f.lower))} direct client's; ${busy(f.cold)}`,
    ),
    row(
      mode,
      '8 gateway CPU per upstream request, CREATED cold',
      `${Math.round(cpuPerRequest(f.newestCold))} µs`,
      '',
      busy(f.newestCold),
    ),
    timedRow(
      '9 @defer fan-out, cold: first part (every tag name)',
      f.firstPart,
      firstPartRatio(f.firstPart, f.listing, 'catalog + tag lists'),
    ),
    timedRow(
      '9 @stream + @defer fan-out, cold: first streamed tag',
      f.firstStreamed,
      firstPartRatio(f.firstStreamed, f.firstListing, 'catalog, then first tag list'),
      ...onlyIf(mode.delayMs > 0, '≤ 3 round trips', roundTrips(f.firstStreamed) <= 3),
    ),
  ];
}
