import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildImage, buildLayer } from '../src/demo/images.js';
import { ContentPusher } from '../src/demo/seed.js';
import { createRegistryClient } from '../src/registry/client.js';
import { compareCreated, type DatedTag } from '../src/schema/tag-order.js';
import { startServer } from '../src/server.js';
import { type Child, forkChild, isEntry, serveParent } from './child.js';
import { type Bench, progress } from './common.js';
import { gatewayConfig } from './fan-out.js';
import { NEWEST_QUERY, type NewestData, postGraphql } from './graphql.js';
import { millis, type Row, row, times } from './report.js';

/** The repository with BENCH_HUGE_TAGS tags. */
export const HUGE_REPOSITORY = 'huge/app';

/**
 * A repository of NAMES_PAGE tags (the first images): each gateway answers its query there first
 * (compiling its code), then again, measured: what a request holding just one page takes.
 */
const PAGE_REPOSITORY = 'huge/page';

/** Tags per distinct image of the huge repository. */
const TAGS_PER_IMAGE = 100;

/** Tags asked for with their digests by the names query. */
const NAMES_PAGE = 100;

/** Files written into the registry's storage at once. */
const WRITERS = 64;

/** Creation time of the oldest image; each later image is a minute newer. */
const EPOCH = Date.parse('2025-01-01T00:00:00Z');

/** A prime that shuffles creation times against image numbers. */
const SHUFFLE = 7919;

/**
 * How far apart heap samples (each a full garbage collection) are during each query, in times
 * the last collection took: the short names query is sampled all the time, the long CREATED one
 * spends under a tenth of its time collecting.
 */
const SAMPLE_SPACING = { names: 1, created: 10 };

/** Milliseconds the gateway lets a query run: dating 20,000 tags can take longer than the default 30 s. */
const OPERATION_TIMEOUT_MS = 600_000;

/** The first page of names, each with its digest. */
const NAMES_QUERY = `query Names($repository: String!, $first: Int!) {
  repository(name: $repository) { tags(first: $first) { totalCount nodes { name digest } } }
}`;

/** The NAMES_QUERY answer, as far as the benchmark checks it. */
interface NamesData {
  repository: { tags: { totalCount: number; nodes: { name: string; digest: string }[] } };
}

/** What seedHugeRepository made. */
export interface HugeSeeded {
  tags: number;
  /** Distinct images (pushed through the client), each under TAGS_PER_IMAGE tags. */
  images: number;
  /** The 20 newest tags, newest first. */
  newest: string[];
  seconds: number;
}

/** `h` and `index` padded to the width of `count - 1`: `h00042`. */
function tagName(index: number, count: number): string {
  return `h${String(index).padStart(String(count - 1).length, '0')}`;
}

/** Runs `work` on each item, `concurrency` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * Makes HUGE_REPOSITORY hold `count` tags on `count / TAGS_PER_IMAGE` distinct images (creation
 * times shuffled against names; tag `i` names image `i mod images`), and PAGE_REPOSITORY the
 * first NAMES_PAGE of them. The images and their first tags are pushed through regql's client;
 * each other tag is written straight into the registry's filesystem storage as the link file the
 * registry reads a tag from (`_manifests/tags/<tag>/current/link`, holding the digest; the index
 * link beside it, which only finds tags by digest, is left out). A PUT per tag takes about a
 * minute for 20,000 tags on the benchmark's machine; the files take seconds.
 */
export async function seedHugeRepository(
  registry: { url: string; storageDir: string },
  count: number,
): Promise<HugeSeeded> {
  const started = performance.now();
  const images = Math.max(1, Math.ceil(count / TAGS_PER_IMAGE));
  const client = createRegistryClient(registry.url, { connections: WRITERS });
  const digests: string[] = [];
  const created: string[] = [];
  try {
    const layer = await buildLayer({ 'huge/layer': 'one layer for every huge image\n' });
    const pusher = new ContentPusher(client);
    await eachLimited([...Array(images).keys()], WRITERS, async (i) => {
      created[i] = new Date(EPOCH + ((i * SHUFFLE) % images) * 60_000).toISOString();
      const image = buildImage({
        created: created[i],
        labels: { image: `${HUGE_REPOSITORY}#${i}` },
        steps: [{ createdBy: 'COPY huge /', layer }],
      });
      digests[i] = await pusher.push(HUGE_REPOSITORY, image, [tagName(i, count)]);
      if (i < NAMES_PAGE) await pusher.push(PAGE_REPOSITORY, image, [tagName(i, count)]);
    });
  } finally {
    await client.connection.close();
  }
  const tags = join(
    registry.storageDir,
    'docker/registry/v2/repositories',
    HUGE_REPOSITORY,
    '_manifests/tags',
  );
  const rest = Array.from({ length: count - images }, (_, i) => images + i);
  await eachLimited(rest, WRITERS, async (i) => {
    const current = join(tags, tagName(i, count), 'current');
    await mkdir(current, { recursive: true });
    await writeFile(join(current, 'link'), digests[i % images]!);
  });
  const dated: DatedTag[] = Array.from({ length: count }, (_, i) => ({
    name: tagName(i, count),
    created: created[i % images],
  }));
  const newest = dated
    .sort((a, b) => compareCreated(a, b, true))
    .slice(0, 20)
    .map((tag) => tag.name);
  return { tags: count, images, newest, seconds: (performance.now() - started) / 1000 };
}

/** A request to the heap-measuring gateway process. */
type HeapRequest =
  | { kind: 'list'; repository: string }
  | { kind: 'start'; spacing: number }
  | { kind: 'stop' };

/** What the heap-measuring gateway answers: a size in bytes, and for `stop` what stayed. */
interface HeapReply {
  /** The list's size (`list`), or the peak growth since `start` (`stop`). */
  bytes: number;
  /** For `stop`, the growth still there after the answer (kept by the process-wide caches). */
  kept: number;
}

/** The heap in use after a full garbage collection, in bytes. */
type LiveHeap = () => number;

/** The child's side of HeapRequest. */
function heapProbe(
  registryUrl: string,
  live: LiveHeap,
): (request: HeapRequest) => Promise<HeapReply> {
  let baseline = 0;
  let peak = 0;
  let timer: NodeJS.Timeout | undefined;
  const sample = (spacing: number) => {
    const started = performance.now();
    peak = Math.max(peak, live() - baseline);
    timer = setTimeout(() => sample(spacing), spacing * (performance.now() - started));
  };
  return async (request) => {
    switch (request.kind) {
      case 'list': {
        const client = createRegistryClient(registryUrl, { connections: 1 });
        try {
          const before = live();
          const list = await client.tags.all(request.repository);
          const bytes = live() - before;
          if (list.length === 0) throw new Error(`${request.repository} has no tags`);
          return { bytes, kept: bytes };
        } finally {
          await client.connection.close();
        }
      }
      case 'start':
        baseline = live();
        peak = 0;
        sample(request.spacing);
        return { bytes: 0, kept: 0 };
      case 'stop': {
        clearTimeout(timer);
        const kept = live() - baseline;
        return { bytes: Math.max(peak, kept), kept };
      }
    }
  };
}

/** A gateway in a process of its own whose heap can be measured between full collections. */
async function forkHeapGateway(
  registryUrl: string,
): Promise<{ url: string; child: Child<HeapRequest, HeapReply> }> {
  const { ready, child } = await forkChild<{ url: string }, HeapRequest, HeapReply>(
    new URL(import.meta.url),
    [registryUrl],
  );
  return { url: ready.url, child };
}

/** One sampled run of a query. */
export interface Sample {
  ms: number;
  /** Requests the registry logged. */
  upstream: number;
  /** Largest growth of the live heap while the query ran (sampled), in bytes. */
  peakBytes: number;
  /** Growth still there after the answer: what the process-wide caches kept. */
  keptBytes: number;
}

/** A query's run on the huge repository, with what it compares with. */
export interface HeapFigures extends Sample {
  /** Bytes the registry client's list of every tag takes on the heap (in the same process). */
  listBytes: number;
  /** The same query on PAGE_REPOSITORY, whose tags are just one page. */
  page: Sample;
}

/** Scenario 10's figures. */
export interface HugeTags {
  seeded: HugeSeeded;
  names: HeapFigures;
  created: HeapFigures;
}

/**
 * Scenario 10 (loopback, once: its queries make BENCH_HUGE_TAGS upstream requests): the names
 * query and the CREATED_DESC query on the huge repository, each against a fresh gateway process
 * whose live heap is sampled while it answers, compared with the size of the tag list itself.
 */
export async function hugeTagScenario(
  bench: Pick<Bench, 'settings' | 'log'>,
  registryUrl: string,
  seeded: HugeSeeded,
): Promise<HugeTags> {
  const measure = async <T>(
    spacing: number,
    query: string,
    variables: Record<string, unknown>,
    check: (data: T) => void,
  ): Promise<HeapFigures> => {
    const gateway = await forkHeapGateway(registryUrl);
    const sampled = async <R>(repository: string): Promise<[Sample, R]> => {
      const mark = await bench.log.mark();
      await gateway.child.call({ kind: 'start', spacing });
      const started = performance.now();
      const data = await postGraphql<R>(url, query, { ...variables, repository });
      const ms = performance.now() - started;
      const { bytes, kept } = await gateway.child.call({ kind: 'stop' });
      const upstream = (await bench.log.since(mark)).length;
      return [{ ms, upstream, peakBytes: bytes, keptBytes: kept }, data];
    };
    const url = `${gateway.url}/graphql`;
    try {
      await postGraphql(url, query, { ...variables, repository: PAGE_REPOSITORY });
      const [page] = await sampled(PAGE_REPOSITORY);
      const { bytes: listBytes } = await gateway.child.call({
        kind: 'list',
        repository: HUGE_REPOSITORY,
      });
      const [huge, data] = await sampled<T>(HUGE_REPOSITORY);
      check(data);
      return { ...huge, listBytes, page };
    } finally {
      await gateway.child.stop();
    }
  };
  const names = await measure<NamesData>(
    SAMPLE_SPACING.names,
    NAMES_QUERY,
    { first: NAMES_PAGE },
    (data) => {
      const { totalCount, nodes } = data.repository.tags;
      if (totalCount !== seeded.tags || nodes.length !== NAMES_PAGE) {
        throw new Error(`the names query answered ${nodes.length} of ${totalCount} tags`);
      }
    },
  );
  const created = await measure<NewestData>(SAMPLE_SPACING.created, NEWEST_QUERY, {}, (data) => {
    const answered = data.repository.tags.nodes.map((tag) => tag.name).join(',');
    if (answered !== seeded.newest.join(',')) throw new Error(`CREATED_DESC answered ${answered}`);
  });
  const rows = hugeTagRows({ name: 'loopback' }, { seeded, names, created });
  progress(`${seeded.tags} tags: ${rows.map((r) => `${r.value} (${r.ratio})`).join('; ')}`);
  return { seeded, names, created };
}

/** The request's own part of a sample's peak: what the process-wide caches kept afterwards is not. */
function ownBytes(sample: Sample): number {
  return sample.peakBytes - sample.keptBytes;
}

/**
 * How much more than the tag list a request on the huge repository may hold beyond what the same
 * request holds on a repository of one page: samples are taken between collections, some
 * passing objects (the list's JSON text while it is parsed) are caught alive.
 */
const TARGET_RATIO = 1.5;

/**
 * The table rows of scenario 10: each query's peak heap growth without what the process-wide
 * caches still keep afterwards (tag hints, digest cache, connections); of it, what the same query
 * takes on a repository of one page is the page's, and the rest is compared with the tag list.
 */
export function hugeTagRows(mode: { name: string }, h: HugeTags): Row[] {
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const count = h.seeded.tags.toLocaleString('en');
  const heapRow = (what: string, f: HeapFigures) => {
    const ratio = (ownBytes(f) - ownBytes(f.page)) / f.listBytes;
    return row(
      mode,
      `10 ${count} tags, ${what}: heap growth (${millis(f.ms)})`,
      mib(ownBytes(f)),
      f.upstream,
      `page ${mib(ownBytes(f.page))} + ${times(ratio)} the list (${mib(f.listBytes)}); caches kept ${mib(f.keptBytes)}`,
      `≤ page + ${times(TARGET_RATIO)} list`,
      ratio <= TARGET_RATIO,
    );
  };
  return [
    heapRow(`names, first ${NAMES_PAGE} with digests`, h.names),
    heapRow('CREATED_DESC first 20', h.created),
  ];
}

if (isEntry(import.meta.url)) {
  const [registryUrl = ''] = process.argv.slice(2);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const live: LiveHeap = () => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  const config = gatewayConfig(registryUrl);
  const gateway = await startServer({ ...config, operationTimeoutMs: OPERATION_TIMEOUT_MS });
  serveParent({ url: gateway.url }, heapProbe(registryUrl, live));
}
