import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Most (caller, repository) pairs remembered. */
const MAX_ENTRIES = 100_000;

/**
 * Which callers the registry has lately let read which repositories. The shared digest cache
 * serves a caller only what the registry has confirmed that caller may read: a cache hit in a
 * repository not confirmed within the TTL first costs one cheap probe (a HEAD) as that caller.
 */
export class AccessCache {
  private readonly confirmed: LRUCache<string, true>;

  constructor(ttlMs: number) {
    this.confirmed = new LRUCache({ max: MAX_ENTRIES, ttl: Math.max(ttlMs, 1) });
  }

  /** A caller's access checker; `caller` is its Authorization header (hashed, never stored). */
  forCaller(caller: string | undefined): AccessCheck {
    const who = caller ? createHash('sha256').update(caller).digest('hex') : 'anonymous';
    const key = (repository: string) => `${who}|${repository}`;
    return {
      confirm: (repository) => {
        this.confirmed.set(key(repository), true);
      },
      ensure: async (repository, probe) => {
        if (this.confirmed.has(key(repository))) return;
        await probe();
        this.confirmed.set(key(repository), true);
      },
    };
  }
}

/** One caller's view of the access cache. */
export interface AccessCheck {
  /** Records that the registry just served this caller from the repository. */
  confirm(repository: string): void;
  /** Resolves once the caller may read the repository, running `probe` as the caller if unsure. */
  ensure(repository: string, probe: () => Promise<unknown>): Promise<void>;
}

/** The access check of service mode: one account for every caller, nothing to check. */
export const TRUSTED: AccessCheck = {
  confirm: () => undefined,
  ensure: async () => undefined,
};
