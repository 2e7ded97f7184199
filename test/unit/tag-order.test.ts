import { describe, expect, it } from 'vitest';
import {
  ascendingTags,
  CreatedWindow,
  compareCreated,
  type DatedTag,
  pageOf,
  tagVersion,
} from '../../src/schema/tag-order.js';

describe('tag orders', () => {
  const tags = [
    'latest',
    '1.10.0',
    '1.9.0',
    'v1.2',
    '2.0.0-rc.1',
    '2.0.0',
    '1.10',
    'build-10',
    'build-9',
  ];

  it('VERSION sorts semantic versions by precedence, others after in numeric-aware order', () => {
    expect(ascendingTags([...tags].sort(), 'VERSION')).toEqual([
      'v1.2',
      '1.9.0',
      '1.10',
      '1.10.0',
      '2.0.0-rc.1',
      '2.0.0',
      'build-9',
      'build-10',
      'latest',
    ]);
  });

  it('NAME is the sorted list itself, not a copy', () => {
    const sorted = [...tags].sort();
    expect(ascendingTags(sorted, 'NAME')).toBe(sorted);
  });

  it('pages forwards and backwards after a cursor, as slices of the ordered list would', () => {
    const sorted = [...tags].sort();
    for (const descending of [false, true]) {
      const ordered = descending ? [...sorted].reverse() : sorted;
      for (const after of [undefined, ...sorted]) {
        for (const size of [0, 1, 2, 4, 20]) {
          const start = after === undefined ? 0 : ordered.indexOf(after) + 1;
          expect(pageOf(sorted, descending, after, size)).toEqual({
            names: ordered.slice(start, start + size),
            hasNextPage: start + size < ordered.length,
          });
        }
      }
    }
  });

  it.each([
    ['1', '1.0.0'],
    ['v2.3', '2.3.0'],
    ['1.2.3-rc.1+b5', '1.2.3-rc.1'],
    ['latest', null],
    ['1.2.3.4', null],
    ['01.2.3', null],
  ])('reads %s as version %s', (tag, version) => {
    expect(tagVersion(tag)?.version ?? null).toBe(version);
  });

  it('CREATED puts unknown times last in both directions', () => {
    const items = [
      { name: 'a', created: undefined },
      { name: 'b', created: '2024-01-01T00:00:00Z' },
      { name: 'c', created: '2025-01-01T00:00:00Z' },
    ];
    const asc = [...items].sort((x, y) => compareCreated(x, y, false)).map((x) => x.name);
    const desc = [...items].sort((x, y) => compareCreated(x, y, true)).map((x) => x.name);
    expect(asc).toEqual(['b', 'c', 'a']);
    expect(desc).toEqual(['c', 'b', 'a']);
  });

  it('CreatedWindow keeps only the page of tags offered in any order, as a full sort would', () => {
    // times with ties and unknown ones, names in no particular order
    const dated: DatedTag[] = Array.from({ length: 40 }, (_, i) => ({
      name: `t${(i * 17) % 40}`,
      created:
        i % 7 === 3
          ? undefined
          : `2024-01-${String(1 + ((i * 11) % 9)).padStart(2, '0')}T00:00:00Z`,
    }));
    const offered = dated.map((_, i) => dated[(i * 13) % dated.length]!); // a permutation
    for (const descending of [false, true]) {
      const ordered = [...dated].sort((a, b) => compareCreated(a, b, descending));
      for (const after of [undefined, ordered[0], ordered[17], ordered[39]]) {
        for (const size of [0, 1, 5, 100]) {
          const window = new CreatedWindow<DatedTag>(size, descending, after);
          let left = 0;
          for (const tag of offered) {
            if (tag !== after && window.offer(tag)) left++;
          }
          const start = after === undefined ? 0 : ordered.indexOf(after) + 1;
          const page = ordered.slice(start, start + size).map((tag) => tag.name);
          expect(window.page()).toEqual({
            names: page,
            hasNextPage: start + size < ordered.length,
          });
          // every tag offered is held or was handed back: the window holds only the page
          expect(left).toBe(offered.length - (after ? 1 : 0) - page.length);
        }
      }
    }
  });
});
