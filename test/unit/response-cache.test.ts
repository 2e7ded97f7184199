import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ResponseCache } from '../../src/response-cache.js';

const answer: ExecutionResult = { data: { repository: { name: 'fixtures/shared' } } };

describe('ResponseCache: every TTL is measured by the clock it was given', () => {
  it('serves an answer until its TTL has passed on that clock, then no more', () => {
    let now = 0;
    const cache = new ResponseCache(1_000_000, () => now);
    cache.set('query', answer, [], 300);
    now = 299;
    expect(cache.get('query')).toBe(answer);
    now = 300;
    expect(cache.get('query')).toBeUndefined();
  });

  it('keeps an answer without a TTL (Infinity) until the cache is emptied', () => {
    let now = 0;
    const cache = new ResponseCache(1_000_000, () => now);
    cache.set('query', answer, [], Number.POSITIVE_INFINITY);
    now = Number.MAX_SAFE_INTEGER;
    expect(cache.get('query')).toBe(answer);
    cache.invalidate();
    expect(cache.get('query')).toBeUndefined();
  });
});
