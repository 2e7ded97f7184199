import { LRUCache } from 'lru-cache';
import type { ImageConfig } from '../registry/image-config.js';
import type { Manifest } from '../registry/manifest.js';

/** A cached digest-addressed object and the bytes it is charged for. */
type Entry = { kind: 'manifest'; value: Manifest } | { kind: 'config'; value: ImageConfig };

/** Hit and miss counts of the digest cache. */
export interface CacheStats {
  hits: number;
  misses: number;
}

/** Most tag→digest hints remembered. */
const MAX_HINTS = 100_000;

/**
 * The process-wide cache of verified, digest-addressed manifests and configs (immutable, so
 * shared across requests), bounded by bytes. Keys include the repository: a digest that exists
 * in one repository says nothing of another. It also remembers which digest a tag last pointed
 * at — only as a hint of whether a HEAD will do; tags move and are resolved on every request.
 */
export class DigestCache {
  /** Hits and misses since start. */
  readonly stats: CacheStats = { hits: 0, misses: 0 };
  private readonly entries: LRUCache<string, Entry>;
  private readonly hints = new LRUCache<string, string>({ max: MAX_HINTS });

  constructor(maxBytes: number) {
    this.entries = new LRUCache<string, Entry>({
      maxSize: maxBytes,
      sizeCalculation: (entry) => entrySize(entry),
    });
  }

  /** A cached manifest, counted as a hit or a miss. */
  manifest(repository: string, digest: string): Manifest | undefined {
    const entry = this.lookup('manifest', repository, digest);
    return entry?.kind === 'manifest' ? entry.value : undefined;
  }

  /** True when the manifest is cached (not counted). */
  hasManifest(repository: string, digest: string): boolean {
    return this.entries.has(key('manifest', repository, digest));
  }

  /** Caches a manifest that was verified against its digest. */
  addManifest(repository: string, manifest: Manifest): void {
    this.entries.set(key('manifest', repository, manifest.digest), {
      kind: 'manifest',
      value: manifest,
    });
  }

  /** A cached image config, counted as a hit or a miss. */
  config(repository: string, digest: string): ImageConfig | undefined {
    const entry = this.lookup('config', repository, digest);
    return entry?.kind === 'config' ? entry.value : undefined;
  }

  /** Caches an image config that was verified against its digest. */
  addConfig(repository: string, digest: string, config: ImageConfig): void {
    this.entries.set(key('config', repository, digest), { kind: 'config', value: config });
  }

  /** Forgets a manifest (after it was deleted). */
  deleteManifest(repository: string, digest: string): void {
    this.entries.delete(key('manifest', repository, digest));
  }

  /** The digest a tag pointed at when last seen, if any. */
  tagHint(repository: string, tag: string): string | undefined {
    return this.hints.get(`${repository}:${tag}`);
  }

  /** Remembers the digest a tag points at now. */
  setTagHint(repository: string, tag: string, digest: string): void {
    this.hints.set(`${repository}:${tag}`, digest);
  }

  private lookup(kind: Entry['kind'], repository: string, digest: string): Entry | undefined {
    const entry = this.entries.get(key(kind, repository, digest));
    if (entry) this.stats.hits++;
    else this.stats.misses++;
    return entry;
  }
}

function key(kind: Entry['kind'], repository: string, digest: string): string {
  return `${kind}|${repository}@${digest}`;
}

/** Approximate bytes held: the JSON text twice (raw and parsed) plus a little overhead. */
function entrySize(entry: Entry): number {
  const text = entry.kind === 'manifest' ? entry.value.raw : JSON.stringify(entry.value.raw);
  return 2 * text.length + 256;
}
