import { createHash } from 'node:crypto';
import { type Cache, useResponseCache } from '@graphql-yoga/plugin-response-cache';
import { type ExecutionResult, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { Config } from './config.js';

/** A kept answer and when it stops being served (a time of the cache's clock). */
interface Kept {
  answer: ExecutionResult;
  until: number;
}

/**
 * Whole query answers by key, each kept for the TTL it was stored with, bounded in bytes of JSON
 * (least recently used go first). A mutation empties it, and so does a registry event (a change
 * made at the registry itself): which answers a change touches is not known, and a portal that
 * just deleted a tag must not see it again.
 */
export class ResponseCache implements Cache {
  /** lru-cache's own TTL is not used: it takes an entry stored at time 0 for one without a TTL. */
  private readonly answers: LRUCache<string, Kept>;
  /** Bumped by every change; part of each key, so an answer begun before one is never served. */
  private generation = 0;

  /**
   * `now`: the clock of every TTL decision, in milliseconds; by default performance.now, looked up
   * at each call, so a test's fake one (vi.useFakeTimers({ toFake: ['performance'] })) reaches the
   * cache a gateway made.
   */
  constructor(
    maxBytes: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.answers = new LRUCache<string, Kept>({
      maxSize: maxBytes,
      sizeCalculation: (kept) => Math.max(1, JSON.stringify(kept.answer).length),
    });
  }

  /** Keeps an answer for `ttl` milliseconds (Infinity: until evicted or a mutation). */
  set(id: string, data: ExecutionResult, _entities: unknown, ttl: number): void {
    this.answers.set(id, { answer: data, until: this.now() + ttl });
  }

  /** The answer kept under `id`, if any and its TTL has not ended. */
  get(id: string): ExecutionResult | undefined {
    const kept = this.answers.get(id);
    if (kept === undefined) return undefined;
    if (this.now() < kept.until) return kept.answer;
    this.answers.delete(id);
    return undefined;
  }

  /** Empties the cache (any mutation or registry event: which answers it changed is not known). */
  invalidate(): void {
    this.generation++;
    this.answers.clear();
  }

  /** The part of a key that a change (mutation or registry event) moves on. */
  get epoch(): number {
    return this.generation;
  }
}

/**
 * The response cache (RESPONSE_CACHE_TTL_MS): a query answered without errors is answered again
 * from memory, for the same query, variables and credentials, until the TTL ends, a mutation
 * runs or a registry event comes (the gateway calls `invalidate` for those). In `passthrough`
 * mode answers are kept per caller (a hash of its Authorization header, the header itself is
 * never kept); in `service` mode every caller reads the registry as the same account, so they
 * share them.
 */
export function useAnswerCache(config: Config, cache: ResponseCache): Plugin[] {
  const credentialsOf = (request: Request) =>
    config.authMode === 'passthrough'
      ? createHash('sha256')
          .update(request.headers.get('authorization') ?? '')
          .digest('base64url')
      : 'service';
  return [
    useResponseCache({
      cache,
      ttl: config.responseCache.ttlMs,
      session: (request) => `${cache.epoch}:${credentialsOf(request)}`,
      // which answers a mutation touches is not known: any mutation empties the cache (below)
      invalidateViaMutation: false,
    }),
    {
      onExecute({ args }) {
        const operation = getOperationAST(args.document, args.operationName);
        if (operation?.operation !== 'mutation') return;
        // before (answers begun earlier may still be stored, under the old epoch) and after
        cache.invalidate();
        return { onExecuteDone: () => cache.invalidate() };
      },
    },
  ];
}
