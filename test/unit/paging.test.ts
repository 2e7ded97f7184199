import { describe, expect, it } from 'vitest';
import { nextPage } from '../../src/registry/paging.js';

const base = new URL('http://registry.test/v2/_catalog?n=2');

describe('nextPage', () => {
  it('reads last and n from a relative rel="next" link', () => {
    expect(nextPage('</v2/_catalog?last=b&n=2>; rel="next"', base)).toEqual({ n: 2, last: 'b' });
  });

  it('keeps a repository name with slashes, URL-decoded', () => {
    const link = '</v2/_catalog?last=fixtures%2Fpaged&n=100>; rel="next"';
    expect(nextPage(link, base)).toEqual({ n: 100, last: 'fixtures/paged' });
  });

  it('drops an n the registry would refuse', () => {
    expect(nextPage('</v2/_catalog?last=x&n=5000>; rel="next"', base)).toEqual({ last: 'x' });
  });

  it.each(['</v2/_catalog?last=x>; rel="prev"', '</v2/_catalog?n=2>; rel="next"', 'garbage'])(
    'finds no next page in %j',
    (link) => {
      expect(nextPage(link, base)).toBeUndefined();
    },
  );
});
