/**
 * A bounded soak: a local registry seeded with the demo images, the gateway in this process, and
 * SOAK_CLIENTS concurrent clients (default 200, in a child process, over loopback HTTP with one
 * undici Pool of that many connections) sending mixed queries for SOAK_SECONDS (default 60).
 * Reports requests, unexpected errors, latency, throughput and the gateway's memory; exits 1
 * when an answer was unexpected or the heap did not return to within 10% of its start.
 *
 *   node --expose-gc --import tsx scripts/soak.ts
 */
import { fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { loadConfig } from '../src/config.js';
import { startLocalRegistry } from '../src/demo/registry-process.js';
import { type DemoSummary, seedDemo } from '../src/demo/seed.js';
import { ensureTools } from '../src/demo/tools.js';
import { createRegistryClient } from '../src/registry/client.js';
import { TAG_ORDERS } from '../src/schema/tag-order.js';
import { startServer } from '../src/server.js';

/** Longest a single request may take before it counts as failed (and the soak goes on). */
const REQUEST_TIMEOUT_MS = 30_000;
/** Most requests of the whole soak, whatever the time left. */
const MAX_REQUESTS = 5_000_000;
/** Seconds of load before the starting memory is measured, so that it is a warm process's. */
const WARM_UP_SECONDS = 5;
/** How much the heap may grow from start to end (after a full GC each time). */
const MEMORY_TOLERANCE = 0.1;
/** The flag that makes this script the clients' process. */
const CLIENTS_FLAG = '--clients';

/** One request of the mix: the GraphQL body, and the test its answer must pass. */
interface Probe {
  kind: string;
  body: string;
  /** True for an invalid input, whose answer must be exactly one BAD_USER_INPUT error. */
  invalid: boolean;
  /** For a valid query: whether its data is right. */
  check?: (data: Record<string, unknown>) => boolean;
}

/** What the clients report for one run. */
interface LoadResult {
  requests: number;
  invalid: number;
  unexpected: number;
  /** Up to 5 examples of unexpected answers. */
  examples: string[];
  latenciesMs: number[];
  seconds: number;
}

/** What the clients' process is given (plain data: the probes, which hold functions, are made there). */
interface LoadJob {
  url: string;
  clients: number;
  seconds: number;
  summary: DemoSummary;
  /** What the gateway answered before the load. */
  before: Baseline;
}

/** Answers read once before the load, for checking those under load. */
interface Baseline {
  /** Global ids of demo/app and some of its tags, for the node lookups. */
  ids: string[];
  /** How many tags demo/app has (the seeded ones and the referrers tag). */
  tagCount: number;
}

/** A GraphQL request body. */
function body(query: string, variables: Record<string, unknown> = {}): string {
  return JSON.stringify({ query, variables });
}

/** Reads a path like `image.referrers` out of an answer's data. */
function at(data: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | null)?.[key], data);
}

/** Reads the baseline from the gateway, before the load. */
async function baseline(url: string): Promise<Baseline> {
  const pool = new Pool(url);
  const query =
    '{ repository(name: "demo/app") { id tags(first: 3) { totalCount nodes { id } } } }';
  const answer = await post(pool, body(query)).finally(() => pool.close());
  const repo = at(answer.data, 'repository') as {
    id: string;
    tags: { totalCount: number; nodes: { id: string }[] };
  };
  return {
    ids: [repo.id, ...repo.tags.nodes.map((node) => node.id)],
    tagCount: repo.tags.totalCount,
  };
}

/** The mix of queries, from what the demo seeded, with an invalid input after every few. */
function probesFor(summary: DemoSummary, { ids, tagCount }: Baseline): Probe[] {
  const app = summary.tags.filter((tag) => tag.repository === 'demo/app');
  const index = summary.tags.find((tag) => tag.repository === 'demo/multiarch');
  if (!index) throw new Error('the demo seeded no demo/multiarch');
  const tagList = `query($order: TagOrder) { repository(name: "demo/app") { tags(first: 20, orderBy: $order) {
    totalCount nodes { name digest manifest {
      ... on ImageManifest { totalSize platform { os architecture } config { created } }
      ... on ImageIndex { manifests { platform { os architecture variant } size } } } } } } }`;
  const details = `query($ref: String!) { image(reference: $ref) { digest mediaType tags { name }
    referrers { artifactType digest }
    ... on ImageManifest { config { created env exposedPorts labels { key value } }
      layers { digest size diffId createdBy } } } }`;
  const referrers = `query($ref: String!) { image(reference: $ref) { referrers { artifactType digest annotations } } }`;
  const platforms = `query($ref: String!) { image(reference: $ref) { ... on ImageIndex {
    manifests { digest platform { os architecture variant } }
    forPlatform(os: "linux", architecture: "arm64") { digest layers { size } } } } }`;
  const node = 'query($id: ID!) { node(id: $id) { id ... on Tag { name digest } } }';
  const valid: Probe[] = [
    ...TAG_ORDERS.map((order) => ({
      kind: `tags ${order}`,
      body: body(tagList, { order }),
      invalid: false,
      check: (data: Record<string, unknown>) => at(data, 'repository.tags.totalCount') === tagCount,
    })),
    ...app.map((tag) => ({
      kind: 'image details',
      body: body(details, { ref: `${tag.repository}:${tag.tag}` }),
      invalid: false,
      check: (data: Record<string, unknown>) => at(data, 'image.digest') === tag.digest,
    })),
    {
      kind: 'referrers',
      body: body(referrers, { ref: `${summary.referrer.repository}@${summary.referrer.subject}` }),
      invalid: false,
      check: (data) =>
        (at(data, 'image.referrers') as { digest: string }[]).some(
          (d) => d.digest === summary.referrer.digest,
        ),
    },
    {
      kind: 'index platforms',
      body: body(platforms, { ref: `${index.repository}:${index.tag}` }),
      invalid: false,
      check: (data) =>
        (at(data, 'image.manifests') as unknown[]).length === 2 &&
        typeof at(data, 'image.forPlatform.digest') === 'string',
    },
    ...ids.map((id) => ({
      kind: 'node',
      body: body(node, { id }),
      invalid: false,
      check: (data: Record<string, unknown>) => at(data, 'node.id') === id,
    })),
  ];
  const invalid: Probe[] = [
    body('{ repository(name: "../etc") { name } }'),
    body('{ image(reference: "demo/app:-bad") { digest } }'),
    body('{ repository(name: "demo/app") { tags(first: 5000) { totalCount } } }'),
    body('{ node(id: "!!!") { id } }'),
  ].map((text) => ({ kind: 'invalid input', body: text, invalid: true }));
  // one invalid probe after every few valid ones
  const step = Math.ceil(valid.length / invalid.length);
  return valid.flatMap((probe, i) => {
    const extra = i % step === step - 1 ? invalid[Math.floor(i / step)] : undefined;
    return extra ? [probe, extra] : [probe];
  });
}

/** POSTs a GraphQL body; the parsed answer (throws on a non-200 status). */
async function post(
  pool: Pool,
  text: string,
): Promise<{ data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] }> {
  const response = await pool.request({
    path: '/graphql',
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: text,
  });
  const answer = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${answer}`);
  return JSON.parse(answer);
}

/** Why an answer is not what its probe expects, or undefined when it is. */
function problemOf(probe: Probe, answer: Awaited<ReturnType<typeof post>>): string | undefined {
  if (probe.invalid) {
    const codes = (answer.errors ?? []).map((e) => e.extensions?.code);
    return codes.length === 1 && codes[0] === 'BAD_USER_INPUT'
      ? undefined
      : `expected BAD_USER_INPUT, got ${JSON.stringify(answer).slice(0, 300)}`;
  }
  if (answer.errors || !answer.data) return `errors: ${JSON.stringify(answer).slice(0, 300)}`;
  return probe.check?.(answer.data) === false
    ? `wrong data: ${JSON.stringify(answer.data).slice(0, 300)}`
    : undefined;
}

/** The clients: `clients` loops over the probes until time or the request budget runs out. */
async function runLoad({ url, clients, seconds, summary, before }: LoadJob): Promise<LoadResult> {
  const probes = probesFor(summary, before);
  const pool = new Pool(url, {
    connections: clients,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const result: LoadResult = {
    requests: 0,
    invalid: 0,
    unexpected: 0,
    examples: [],
    latenciesMs: [],
    seconds,
  };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const client = async (offset: number) => {
    for (let i = offset; performance.now() < deadline && result.requests < MAX_REQUESTS; i++) {
      const probe = probes[i % probes.length] as Probe;
      result.requests++;
      const sent = performance.now();
      const problem = await post(pool, probe.body).then(
        (answer) => problemOf(probe, answer),
        (error: Error) => `request failed: ${error.message}`,
      );
      result.latenciesMs.push(performance.now() - sent);
      if (probe.invalid && !problem) result.invalid++;
      if (problem) {
        result.unexpected++;
        if (result.examples.length < 5) result.examples.push(`${probe.kind}: ${problem}`);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  result.seconds = (performance.now() - started) / 1000;
  await pool.close();
  return result;
}

/** Runs the clients in a child process, so that this process's memory is the gateway's alone. */
function inChild(job: LoadJob): Promise<LoadResult> {
  const child = fork(fileURLToPath(import.meta.url), [CLIENTS_FLAG], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
  });
  child.send(job);
  return new Promise((resolve, reject) => {
    child.once('message', (result) => resolve(result as LoadResult));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the clients' process exited with ${code}`)));
  });
}

/** A whole number from the environment, or the default. */
function setting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** RSS and heapUsed now, in bytes. */
function memory(): { rss: number; heapUsed: number } {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

/** Memory after full garbage collections (a few, with pauses for finalizers and closing sockets). */
async function memoryAfterGc(gc: () => void): Promise<{ rss: number; heapUsed: number }> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(200);
  }
  return memory();
}

/** The sample at quantile q of sorted values. */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** Starts everything, runs the warm-up and the soak, prints the report; the exit code. */
async function main(): Promise<number> {
  const gc = globalThis.gc;
  if (!gc) throw new Error('run with --expose-gc: node --expose-gc --import tsx scripts/soak.ts');
  const clients = setting('SOAK_CLIENTS', 200);
  const seconds = setting('SOAK_SECONDS', 60);
  await ensureTools({ 'docker-registry': 'docker-registry' }, 'the soak');
  const registry = await startLocalRegistry('regql-soak-');
  try {
    const seeder = createRegistryClient(registry.url);
    const summary = await seedDemo(seeder).finally(() => seeder.connection.close());
    // the environment's settings apply (UPSTREAM_CONCURRENCY, say), on loopback, read-only,
    // without per-request logs unless LOG_LEVEL asks for them
    const server = await startServer(
      loadConfig({
        LOG_LEVEL: 'warn',
        ...process.env,
        REGISTRY_URL: registry.url,
        REGISTRY_USERNAME: undefined,
        REGISTRY_PASSWORD: undefined,
        HOST: '127.0.0.1',
        PORT: '0',
        READ_ONLY: 'true',
      }),
    );
    try {
      const job = { url: server.url, clients, summary, before: await baseline(server.url) };
      const cold = await memoryAfterGc(gc);
      const warm = await inChild({ ...job, seconds: WARM_UP_SECONDS });
      const before = await memoryAfterGc(gc);
      const peak = { ...before };
      const sampler = setInterval(() => {
        const now = memory();
        peak.rss = Math.max(peak.rss, now.rss);
        peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
      }, 100);
      const run = await inChild({ ...job, seconds }).finally(() => clearInterval(sampler));
      const after = await memoryAfterGc(gc);
      const growth = (after.heapUsed - before.heapUsed) / before.heapUsed;
      const latencies = run.latenciesMs.sort((a, b) => a - b);
      const settled = growth <= MEMORY_TOLERANCE;
      console.log(`regql soak against ${server.url} (registry ${registry.url}, demo content)
clients              ${clients} (one undici Pool, ${clients} connections, in a child process)
duration             ${run.seconds.toFixed(1)} s after a ${WARM_UP_SECONDS} s warm-up (${warm.requests} requests, ${warm.unexpected} unexpected)
requests             ${run.requests} (${run.requests - run.invalid - run.unexpected} valid queries answered right, ${run.invalid} invalid inputs answered BAD_USER_INPUT as expected)
unexpected errors    ${run.unexpected}${run.examples.map((e) => `\n  ${e}`).join('')}
latency              p50 ${ms(quantile(latencies, 0.5))}, p99 ${ms(quantile(latencies, 0.99))}, max ${ms(latencies.at(-1) ?? Number.NaN)}
throughput           ${(run.requests / run.seconds).toFixed(0)} requests/s
memory of the gateway's process (the clients run in another)
  cold, after GC     rss ${mib(cold.rss)}, heapUsed ${mib(cold.heapUsed)}
  before, after GC   rss ${mib(before.rss)}, heapUsed ${mib(before.heapUsed)}
  peak               rss ${mib(peak.rss)}, heapUsed ${mib(peak.heapUsed)}
  after, after GC    rss ${mib(after.rss)}, heapUsed ${mib(after.heapUsed)}
heapUsed after vs before: ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}% (${settled ? 'within' : 'NOT within'} ${MEMORY_TOLERANCE * 100}%)
  (judged on heapUsed after full GCs, which is what the gateway still holds; RSS also counts
  freed heap pages and allocator arenas the process keeps, so it is shown but not judged)`);
      return run.unexpected === 0 && settled ? 0 : 1;
    } finally {
      await server.close();
    }
  } finally {
    await registry.stop();
  }
}

if (process.argv.includes(CLIENTS_FLAG)) {
  process.once('message', async (job) => {
    const result = await runLoad(job as LoadJob);
    process.send?.(result, () => process.exit(0));
  });
} else {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`soak failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
