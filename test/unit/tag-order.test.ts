import { describe, expect, it } from 'vitest';
import { compareCreated, sortByName, tagVersion } from '../../src/schema/tag-order.js';

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
    expect(sortByName(tags, 'VERSION', false)).toEqual([
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

  it('VERSION_DESC is the exact reverse', () => {
    expect(sortByName(tags, 'VERSION', true)).toEqual(sortByName(tags, 'VERSION', false).reverse());
  });

  it('NAME is plain code-point order', () => {
    expect(sortByName(tags, 'NAME', false)).toEqual([...tags].sort());
    expect(sortByName(['b', 'a', 'B'], 'NAME', true)).toEqual(['b', 'a', 'B']);
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
});
