import { buildImage, buildLayer, type ImageStep } from '../src/demo/images.js';
import { ContentPusher } from '../src/demo/seed.js';
import { createRegistryClient } from '../src/registry/client.js';
import { compareCreated } from '../src/schema/tag-order.js';
import type { Settings } from './settings.js';

/** Prefix of the fan-out repositories (`fan/r000`, ...). */
export const FAN_OUT_PREFIX = 'fan/';

/** The repository with BENCH_BIG_TAGS tags. */
export const BIG_REPOSITORY = 'big/app';

/** Connections the seeding client opens. */
const SEED_CONNECTIONS = 32;

/** Creation time of the oldest image; each later image is a minute newer. */
const EPOCH = Date.parse('2024-01-01T00:00:00Z');

/** A prime that shuffles the big repository's creation times against its tag names. */
const SHUFFLE = 7919;

/** What seedRegistry pushed. */
export interface Seeded {
  /** The fan-out repositories, in catalog order. */
  repositories: string[];
  /** Tags per fan-out repository. */
  tagsPerRepository: number;
  /** The big repository's 20 newest tags, newest first. */
  newest: string[];
  /** One manifest, for queries by digest. */
  sample: { repository: string; digest: string };
  /** Images (manifests) pushed, and distinct blobs uploaded. */
  images: number;
  blobs: number;
  seconds: number;
}

/** `prefix` and `index` padded to the width of `count - 1`: `t007`. */
function padded(prefix: string, index: number, count: number): string {
  return `${prefix}${String(index).padStart(String(count - 1).length, '0')}`;
}

/** RFC 3339 time `minutes` after EPOCH. */
function minutesAfterEpoch(minutes: number): string {
  return new Date(EPOCH + minutes * 60_000).toISOString();
}

/**
 * Pushes R × T distinct tiny images (fan/rNNN:tNN, each its own config and creation time, all
 * sharing three layers) and a repository of BIG_TAGS distinct images whose creation times are
 * shuffled against their names — concurrently, through regql's client (trusting `ca`, PEM, for
 * an https registry).
 */
export async function seedRegistry(url: string, settings: Settings, ca = ''): Promise<Seeded> {
  const started = performance.now();
  const client = createRegistryClient(url, { connections: SEED_CONNECTIONS, ca });
  try {
    const layers = await Promise.all(
      [0, 1, 2].map((i) => buildLayer({ [`layer/${i}`]: `shared layer ${i}\n` })),
    );
    const steps: ImageStep[] = layers.map((layer, i) => ({ createdBy: `COPY ${i} /`, layer }));
    const pusher = new ContentPusher(client);
    const push = (repository: string, tag: string, created: string) => {
      const image = buildImage({ created, labels: { image: `${repository}:${tag}` }, steps });
      return pusher.push(repository, image, [tag]);
    };
    const repositories = Array.from({ length: settings.repos }, (_, r) =>
      padded(`${FAN_OUT_PREFIX}r`, r, settings.repos),
    );
    const fanOut = repositories.flatMap((repository, r) =>
      Array.from({ length: settings.tags }, (_, t) =>
        push(repository, padded('t', t, settings.tags), minutesAfterEpoch(r * settings.tags + t)),
      ),
    );
    const big = Array.from({ length: settings.bigTags }, (_, i) => ({
      name: padded('b', i, settings.bigTags),
      created: minutesAfterEpoch((i * SHUFFLE) % settings.bigTags),
    }));
    const digests = await Promise.all([
      ...fanOut,
      ...big.map(({ name, created }) => push(BIG_REPOSITORY, name, created)),
    ]);
    const newest = big
      .sort((a, b) => compareCreated(a, b, true))
      .slice(0, 20)
      .map((tag) => tag.name);
    return {
      repositories,
      tagsPerRepository: settings.tags,
      newest,
      sample: { repository: repositories[0]!, digest: digests[0]! },
      images: pusher.manifests,
      blobs: pusher.blobs,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await client.connection.close();
  }
}
