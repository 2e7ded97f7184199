import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type BuiltLayer, buildImage, buildLayer } from '../src/demo/images.js';
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
const HUGE_REPOSITORY = 'huge/app';

/**
 * A repository made as HUGE_REPOSITORY is, with a tenth of its tags: how a request's heap grows
 * with the tag count is measured between the two.
 */
const SMALLER_REPOSITORY = 'huge/smaller';

/** SMALLER_REPOSITORY's tags are BENCH_HUGE_TAGS divided by this. */
const SMALLER_BY = 10;

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

/** One repository seedHugeRepository made. */
export interface HugeRepository {
  name: string;
  tags: number;
  /** Distinct images (pushed through the client), each under TAGS_PER_IMAGE tags. */
  images: number;
  /** The 20 newest tags, newest first. */
  newest: string[];
}

/** What seedHugeRepository made: HUGE_REPOSITORY, and SMALLER_REPOSITORY in `smaller`. */
export interface HugeSeeded extends HugeRepository {
  smaller: HugeRepository;
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
 * Makes HUGE_REPOSITORY hold `count` tags, SMALLER_REPOSITORY `count / SMALLER_BY`, and
 * PAGE_REPOSITORY the first NAMES_PAGE images of HUGE_REPOSITORY (see seedTags).
 */
export async function seedHugeRepository(
  registry: { url: string; storageDir: string },
  count: number,
): Promise<HugeSeeded> {
  const started = performance.now();
  const client = createRegistryClient(registry.url, { connections: WRITERS });
  try {
    const layer = await buildLayer({ 'huge/layer': 'one layer for every huge image\n' });
    const pusher = new ContentPusher(client);
    const seed = (name: string, tags: number, page?: string) =>
      seedTags({ pusher, layer, storageDir: registry.storageDir }, { name, tags, page });
    const huge = await seed(HUGE_REPOSITORY, count, PAGE_REPOSITORY);
    const smaller = await seed(SMALLER_REPOSITORY, Math.max(1, Math.round(count / SMALLER_BY)));
    return { ...huge, smaller, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.connection.close();
  }
}

/** What seedHugeRepository made, for a progress line. */
export function seededLine(seeded: HugeSeeded): string {
  const made = [seeded, seeded.smaller].map(
    (r) => `${r.name} with ${r.tags} tags on ${r.images} images`,
  );
  return `seeded ${made.join(', ')} in ${seeded.seconds.toFixed(1)} s`;
}

/**
 * Makes repository `name` hold `tags` tags on `tags / TAGS_PER_IMAGE` distinct images (creation
 * times shuffled against names; tag `i` names image `i mod images`), and `page`, if given, the
 * first NAMES_PAGE images. The images and their first tags are pushed through regql's client;
 * each other tag is written straight into the registry's filesystem storage as the link file the
 * registry reads a tag from (`_manifests/tags/<tag>/current/link`, holding the digest; the index
 * link beside it, which only finds tags by digest, is left out). A PUT per tag takes about a
 * minute for 20,000 tags on the benchmark's machine; the files take seconds.
 */
async function seedTags(
  { pusher, layer, storageDir }: { pusher: ContentPusher; layer: BuiltLayer; storageDir: string },
  { name, tags: count, page }: { name: string; tags: number; page?: string },
): Promise<HugeRepository> {
  const images = Math.max(1, Math.ceil(count / TAGS_PER_IMAGE));
  const digests: string[] = [];
  const created: string[] = [];
  await eachLimited([...Array(images).keys()], WRITERS, async (i) => {
    created[i] = new Date(EPOCH + ((i * SHUFFLE) % images) * 60_000).toISOString();
    const image = buildImage({
      created: created[i],
      labels: { image: `${name}#${i}` },
      steps: [{ createdBy: 'COPY huge /', layer }],
    });
    digests[i] = await pusher.push(name, image, [tagName(i, count)]);
    if (page && i < NAMES_PAGE) await pusher.push(page, image, [tagName(i, count)]);
  });
  const tags = join(storageDir, 'docker/registry/v2/repositories', name, '_manifests/tags');
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
  return { name, tags: count, images, newest };
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
  /** For `stop`, the samples taken since `start` (the first at once). */
  samples: number;
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
  let samples = 0;
  let timer: NodeJS.Timeout | undefined;
  const sample = (spacing: number) => {
    const started = performance.now();
    peak = Math.max(peak, live() - baseline);
    samples++;
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
          return { bytes, kept: bytes, samples: 0 };
        } finally {
          await client.connection.close();
        }
      }
      case 'start':
        baseline = live();
        peak = 0;
        samples = 0;
        sample(request.spacing);
        return { bytes: 0, kept: 0, samples: 0 };
      case 'stop': {
        clearTimeout(timer);
        const kept = live() - baseline;
        return { bytes: Math.max(peak, kept), kept, samples };
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
  /** Heap samples taken while the query ran (the first as it started). */
  samples: number;
}

/** A query's run on one huge repository, with what it compares with. */
export interface HeapFigures extends Sample {
  /** The repository's tags. */
  tags: number;
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
  /** The CREATED_DESC query on SMALLER_REPOSITORY. */
  createdSmaller: HeapFigures;
}

/**
 * Scenario 10 (loopback, once: its queries make BENCH_HUGE_TAGS upstream requests): the names
 * query on the huge repository and the CREATED_DESC query on it and on the smaller one, each
 * against a fresh gateway process whose live heap is sampled while it answers, compared with the
 * size of the tag list itself.
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
    repository: HugeRepository,
    check: (data: T) => void,
  ): Promise<HeapFigures> => {
    const gateway = await forkHeapGateway(registryUrl);
    const sampled = async <R>(name: string): Promise<[Sample, R]> => {
      const mark = await bench.log.mark();
      await gateway.child.call({ kind: 'start', spacing });
      const started = performance.now();
      const data = await postGraphql<R>(url, query, { ...variables, repository: name });
      const ms = performance.now() - started;
      const { bytes, kept, samples } = await gateway.child.call({ kind: 'stop' });
      const upstream = (await bench.log.since(mark)).length;
      return [{ ms, upstream, peakBytes: bytes, keptBytes: kept, samples }, data];
    };
    const url = `${gateway.url}/graphql`;
    try {
      await postGraphql(url, query, { ...variables, repository: PAGE_REPOSITORY });
      const [page] = await sampled(PAGE_REPOSITORY);
      const { bytes: listBytes } = await gateway.child.call({
        kind: 'list',
        repository: repository.name,
      });
      const [sample, data] = await sampled<T>(repository.name);
      check(data);
      return { ...sample, tags: repository.tags, listBytes, page };
    } finally {
      await gateway.child.stop();
    }
  };
  const names = await measure<NamesData>(
    SAMPLE_SPACING.names,
    NAMES_QUERY,
    { first: NAMES_PAGE },
    seeded,
    (data) => {
      const { totalCount, nodes } = data.repository.tags;
      if (totalCount !== seeded.tags || nodes.length !== NAMES_PAGE) {
        throw new Error(`the names query answered ${nodes.length} of ${totalCount} tags`);
      }
    },
  );
  const newest = (repository: HugeRepository) =>
    measure<NewestData>(SAMPLE_SPACING.created, NEWEST_QUERY, {}, repository, (data) => {
      const answered = data.repository.tags.nodes.map((tag) => tag.name).join(',');
      if (answered !== repository.newest.join(',')) {
        throw new Error(`CREATED_DESC on ${repository.name} answered ${answered}`);
      }
    });
  const createdSmaller = await newest(seeded.smaller);
  const created = await newest(seeded);
  const figures = { seeded, names, created, createdSmaller };
  const rows = hugeTagRows({ name: 'loopback' }, figures);
  progress(`scenario 10: ${rows.map((r) => `${r.value} (${r.ratio})`).join('; ')}`);
  return figures;
}

/** The request's own part of a sample's peak: what the process-wide caches kept afterwards is not. */
function ownBytes(sample: Sample): number {
  return sample.peakBytes - sample.keptBytes;
}

/**
 * How much more than the tag list a request may hold, beyond what the same request holds on a
 * repository of one page (names), or how much faster than the list it may grow with the tag count
 * (CREATED_DESC): samples are taken between collections, some passing objects (the list's JSON
 * text while it is parsed) are caught alive.
 */
const TARGET_RATIO = 1.5;

/** Bytes as `0.62 MiB`. */
function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

/**
 * The table rows of scenario 10: each query's peak heap growth without what the process-wide
 * caches still keep afterwards (tag hints, digest cache, connections). For the names query, what
 * the same query takes on a repository of one page is the page's, and the rest is compared with
 * the tag list. The CREATED_DESC query holds a constant besides (the tags being dated at once),
 * so what it takes on the huge repository beyond what it takes on the smaller one is compared
 * with how much larger the huge repository's tag list is.
 */
export function hugeTagRows(mode: { name: string }, h: HugeTags): Row[] {
  const scenario = (what: string, f: HeapFigures) =>
    `10 ${f.tags.toLocaleString('en')} tags, ${what}: heap growth (${millis(f.ms)})`;
  const kept = (f: HeapFigures) => `${f.samples} samples; caches kept ${mib(f.keptBytes)}`;
  const signed = (bytes: number) => `${bytes < 0 ? '' : '+'}${mib(bytes)}`;
  const { names, created, createdSmaller: smaller } = h;
  const ratio = (ownBytes(names) - ownBytes(names.page)) / names.listBytes;
  const grown = ownBytes(created) - ownBytes(smaller);
  const listGrown = created.listBytes - smaller.listBytes;
  const growth = grown / listGrown;
  return [
    row(
      mode,
      scenario(`names, first ${NAMES_PAGE} with digests`, names),
      mib(ownBytes(names)),
      names.upstream,
      `page ${mib(ownBytes(names.page))} + ${times(ratio)} the list (${mib(names.listBytes)}); ${kept(names)}`,
      `≤ page + ${times(TARGET_RATIO)} list`,
      ratio <= TARGET_RATIO,
    ),
    row(
      mode,
      scenario('CREATED_DESC first 20', smaller),
      mib(ownBytes(smaller)),
      smaller.upstream,
      `list ${mib(smaller.listBytes)}; ${kept(smaller)}`,
    ),
    row(
      mode,
      scenario('CREATED_DESC first 20', created),
      mib(ownBytes(created)),
      created.upstream,
      `heap ${signed(grown)} from ${smaller.tags.toLocaleString('en')} tags, list ${signed(listGrown)}: ${times(growth)}; ${kept(created)}`,
      `growth ≤ ${times(TARGET_RATIO)} the list's`,
      growth <= TARGET_RATIO,
    ),
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
