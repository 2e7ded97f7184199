import { LRUCache } from 'lru-cache';
import { verifyDigest } from '../registry/digest.js';
import { type ImageConfig, parseImageConfig } from '../registry/image-config.js';
import { type Manifest, manifestDigestInput, parseManifest } from '../registry/manifest.js';
import { isDigest } from '../registry/reference.js';
import type { SharedStore } from './redis.js';

/** A cached digest-addressed object and the bytes it is charged for. */
type Entry =
  | { kind: 'manifest'; value: Manifest }
  | { kind: 'config'; value: ImageConfig; bytes: number };

/** Hit and miss counts of the digest cache. */
export interface CacheStats {
  hits: number;
  misses: number;
}

/** Counts of the shared tier: hits (verified), misses (absent, or refused on checking), failed calls. */
export interface SharedCacheStats extends CacheStats {
  errors: number;
}

/** A tag's digest as the registry gave it, and the tagMark taken before it was asked for. */
interface FreshTag {
  digest: string;
  asOf: number;
}

/** Most tag→digest hints remembered. */
const MAX_HINTS = 100_000;

/** What a shared-store call reads as when there is no store or the call failed. */
const FAILED = Symbol('failed');

/**
 * The process-wide cache of verified, digest-addressed manifests and configs (immutable, so
 * shared across requests), bounded by bytes. Keys include the repository: a digest that exists
 * in one repository says nothing of another. It also remembers which digest a tag last pointed
 * at — only as a hint of whether a conditional GET will do; tags move and are resolved on every
 * request, unless a tag TTL or registry events keep the registry's last answer fresh for a while.
 *
 * With a shared store (Redis), that is a second tier behind the in-process LRU, shared by
 * replicas: it holds the bytes as served, and whatever comes back from it is verified against
 * its digest and parsed again before use (a mismatch is a miss, and is deleted). Store failures
 * never fail a lookup: they are counted, and the caller goes to the registry.
 */
export class DigestCache {
  /** Hits and misses of the in-process LRU since start. */
  readonly stats: CacheStats = { hits: 0, misses: 0 };
  /** Hits, misses and failed calls of the shared store since start (all zero without one). */
  readonly sharedStats: SharedCacheStats = { hits: 0, misses: 0, errors: 0 };
  private readonly entries: LRUCache<string, Entry>;
  private readonly hints = new LRUCache<string, string>({ max: MAX_HINTS });
  /** Tag→digest answers the registry gave within the tag TTL (absent when the TTL is 0). */
  private readonly fresh?: LRUCache<string, FreshTag>;
  /** Registry events so far: the mark of the newest one (0: none yet). */
  private eventMark = 0;
  /** The mark of the newest event for each repository that had one (most recent repositories). */
  private readonly lastEvent = new LRUCache<string, number>({
    max: MAX_HINTS,
    // a repository pushed out of the list may have had any event up to its mark: so may all
    dispose: (mark, _repository, reason) => {
      if (reason === 'evict') this.forgottenMark = Math.max(this.forgottenMark, mark);
    },
  });
  /**
   * Any repository may have had events up to this mark: the newest mark of a repository no longer
   * in `lastEvent`, or of everythingChanged.
   */
  private forgottenMark = 0;

  /**
   * `shared`: the second tier shared by replicas, if any; `tagTtlMs`: how long a tag's digest,
   * once the registry confirmed it, is reused without asking again (0: never); `events`: whether
   * registry events end that early (then a tag's digest is fresh only when it was asked for with
   * a mark, and no event for its repository came after that mark).
   */
  constructor(
    maxBytes: number,
    private readonly shared?: SharedStore,
    tagTtlMs = 0,
    private readonly events = false,
  ) {
    this.entries = new LRUCache<string, Entry>({
      maxSize: maxBytes,
      sizeCalculation: (entry) => entrySize(entry),
    });
    if (tagTtlMs > 0) {
      this.fresh = new LRUCache<string, FreshTag>({ max: MAX_HINTS, ttl: tagTtlMs });
    }
  }

  /** A cached manifest (from the LRU, else verified from the shared store), counted. */
  async manifest(repository: string, digest: string): Promise<Manifest | undefined> {
    const entry = this.lookup('manifest', repository, digest);
    if (entry) return entry.kind === 'manifest' ? entry.value : undefined;
    const manifest = await this.fromShared(sharedKey('m', repository, digest), (bytes) =>
      decodeManifest(bytes, digest),
    );
    if (manifest) this.keep(repository, digest, { kind: 'manifest', value: manifest });
    return manifest;
  }

  /** True when the manifest is cached in either tier (not counted). */
  async hasManifest(repository: string, digest: string): Promise<boolean> {
    if (this.entries.has(key('manifest', repository, digest))) return true;
    if (!this.shared) return false;
    return (await this.attempt((s) => s.has(sharedKey('m', repository, digest)))) === true;
  }

  /** Caches a manifest that was verified against its digest. */
  addManifest(repository: string, manifest: Manifest): void {
    this.keep(repository, manifest.digest, { kind: 'manifest', value: manifest });
    this.toShared(sharedKey('m', repository, manifest.digest), () => encodeManifest(manifest));
  }

  /**
   * A cached image config (from the LRU, else verified from the shared store), counted;
   * `maxBytes` is the largest config accepted from the store.
   */
  async config(
    repository: string,
    digest: string,
    maxBytes: number,
  ): Promise<ImageConfig | undefined> {
    const entry = this.lookup('config', repository, digest);
    if (entry) return entry.kind === 'config' ? entry.value : undefined;
    const found = await this.fromShared(sharedKey('c', repository, digest), (bytes) => {
      verifyDigest(bytes, digest, `cached config ${digest}`);
      return { config: parseImageConfig(bytes, maxBytes), bytes: bytes.length };
    });
    if (!found) return undefined;
    this.keep(repository, digest, { kind: 'config', value: found.config, bytes: found.bytes });
    return found.config;
  }

  /** Caches an image config verified against its digest, with the bytes it was parsed from. */
  addConfig(repository: string, digest: string, config: ImageConfig, bytes: Buffer): void {
    this.keep(repository, digest, { kind: 'config', value: config, bytes: bytes.length });
    this.toShared(sharedKey('c', repository, digest), () => bytes);
  }

  /** Forgets a manifest (after it was deleted). */
  deleteManifest(repository: string, digest: string): void {
    this.entries.delete(key('manifest', repository, digest));
    this.forget(sharedKey('m', repository, digest));
  }

  /** The digest a tag pointed at when last seen (here, else by any replica), if any. */
  async tagHint(repository: string, tag: string): Promise<string | undefined> {
    const local = this.hints.get(hintKey(repository, tag));
    if (local || !this.shared) return local;
    const value = await this.attempt((s) => s.get(sharedKey('t', repository, tag)));
    const digest = value === FAILED ? undefined : value?.toString('latin1');
    if (!digest || !isDigest(digest)) return undefined;
    this.hints.set(hintKey(repository, tag), digest);
    return digest;
  }

  /**
   * The mark to take before asking the registry for a tag (pass it to setTagHint): the answer is
   * fresh only if no event for the tag's repository comes after it, so an answer that was on its
   * way while an event came is not trusted.
   */
  tagMark(): number {
    return this.eventMark;
  }

  /**
   * Remembers the digest the registry just said a tag points at (telling the shared store when
   * that changed); with a tag TTL it is also fresh from now on, unless an event for its
   * repository came after `asOf` (the tagMark taken before asking). Without `asOf` (the gateway
   * itself just moved the tag) it is fresh only when events are off: when it was asked is unknown.
   */
  setTagHint(repository: string, tag: string, digest: string, asOf?: number): void {
    const key = hintKey(repository, tag);
    const since = asOf ?? (this.events ? undefined : this.eventMark);
    if (since !== undefined && !this.changedSince(repository, since)) {
      this.fresh?.set(key, { digest, asOf: since });
    } else {
      this.fresh?.delete(key);
    }
    if (this.hints.get(key) === digest) return;
    this.hints.set(key, digest);
    this.toShared(sharedKey('t', repository, tag), () => Buffer.from(digest, 'latin1'));
  }

  /**
   * The digest the registry gave for a tag within the tag TTL (in this process), if any and no
   * registry event for its repository came since it was asked for.
   */
  freshTag(repository: string, tag: string): string | undefined {
    const key = hintKey(repository, tag);
    const entry = this.fresh?.get(key);
    if (!entry) return undefined;
    if (!this.changedSince(repository, entry.asOf)) return entry.digest;
    this.fresh?.delete(key);
    return undefined;
  }

  /**
   * A registry event said something in `repository` changed: none of its tags' digests is fresh
   * any more, including answers still on their way (their mark is older than this event's).
   */
  repositoryChanged(repository: string): void {
    this.eventMark++;
    this.lastEvent.set(repository, this.eventMark);
  }

  /**
   * Registry events may have been missed (the replicas' events channel was down): no tag's digest
   * is fresh any more, including answers still on their way.
   */
  everythingChanged(): void {
    this.eventMark++;
    this.forgottenMark = this.eventMark;
  }

  /** Forgets what a tag pointed at (after this gateway deleted it). */
  forgetTag(repository: string, tag: string): void {
    this.fresh?.delete(hintKey(repository, tag));
    this.hints.delete(hintKey(repository, tag));
  }

  /** Closes the shared store's connection. */
  async close(): Promise<void> {
    await this.shared?.close();
  }

  /** Whether an event for `repository` came after `mark`. */
  private changedSince(repository: string, mark: number): boolean {
    return Math.max(this.lastEvent.get(repository) ?? 0, this.forgottenMark) > mark;
  }

  private lookup(kind: Entry['kind'], repository: string, digest: string): Entry | undefined {
    const entry = this.entries.get(key(kind, repository, digest));
    if (entry) this.stats.hits++;
    else this.stats.misses++;
    return entry;
  }

  private keep(repository: string, digest: string, entry: Entry): void {
    this.entries.set(key(entry.kind, repository, digest), entry);
  }

  /** A value from the shared store, decoded (which verifies it); undefined when absent, refused or failing. */
  private async fromShared<T>(
    storeKey: string,
    decode: (bytes: Buffer) => T,
  ): Promise<T | undefined> {
    if (!this.shared) return undefined;
    const bytes = await this.attempt((s) => s.get(storeKey));
    if (bytes === FAILED) return undefined;
    if (bytes !== undefined) {
      try {
        const value = decode(bytes);
        this.sharedStats.hits++;
        return value;
      } catch {
        this.forget(storeKey);
      }
    }
    this.sharedStats.misses++;
    return undefined;
  }

  /** Writes to the shared store in the background (the value is made only when there is one). */
  private toShared(storeKey: string, value: () => Buffer): void {
    if (this.shared) void this.attempt((s) => s.set(storeKey, value()));
  }

  /** Deletes from the shared store in the background. */
  private forget(storeKey: string): void {
    void this.attempt((s) => s.delete(storeKey));
  }

  /** Runs a call on the shared store; FAILED without one, or when it fails (down, slow: counted). */
  private async attempt<T>(call: (store: SharedStore) => Promise<T>): Promise<T | typeof FAILED> {
    if (!this.shared) return FAILED;
    try {
      return await call(this.shared);
    } catch {
      this.sharedStats.errors++;
      return FAILED;
    }
  }
}

function key(kind: Entry['kind'], repository: string, digest: string): string {
  return `${kind}|${repository}@${digest}`;
}

function hintKey(repository: string, tag: string): string {
  return `${repository}:${tag}`;
}

/**
 * A key in the shared store (the store adds its prefix): `m:` manifests and `c:` configs by
 * `repository@digest`, `t:` tag hints by `repository:tag` (repository names hold neither `@` nor `:`).
 */
function sharedKey(kind: 'm' | 'c' | 't', repository: string, reference: string): string {
  return `${kind}:${repository}${kind === 't' ? ':' : '@'}${reference}`;
}

/** A manifest as the shared store holds it: its media type, a newline, and the bytes as served. */
function encodeManifest(manifest: Manifest): Buffer {
  return Buffer.concat([
    Buffer.from(`${manifest.mediaType}\n`, 'latin1'),
    Buffer.from(manifest.raw, 'utf8'),
  ]);
}

/** A manifest from the shared store, verified against `digest` and parsed; throws when it is not that manifest. */
function decodeManifest(value: Buffer, digest: string): Manifest {
  const newline = value.indexOf(0x0a);
  if (newline < 0) throw new Error('cached manifest: no media type');
  const mediaType = value.subarray(0, newline).toString('latin1');
  const bytes = value.subarray(newline + 1);
  verifyDigest(manifestDigestInput(bytes, mediaType), digest, `cached manifest ${digest}`);
  return parseManifest(bytes, mediaType, digest);
}

/** Approximate bytes held: the JSON document twice (as text or parsed, and parsed) plus a little. */
function entrySize(entry: Entry): number {
  return 2 * (entry.kind === 'manifest' ? entry.value.raw.length : entry.bytes) + 256;
}
