import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createRegistryClient } from '../../src/registry/client.js';
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

describe('fetchAll', () => {
  // a real registry shows this only with some 150,000 tag folders written: a one-page stand-in
  it('takes a one-page list of 200,000 tags as it is (no argument spread overflows)', async () => {
    const tags = Array.from({ length: 200_000 }, (_, i) => `t${i}`);
    const server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ name: 'huge/app', tags }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const client = createRegistryClient(`http://127.0.0.1:${port}`);
    try {
      expect(await client.tags.all('huge/app')).toEqual([...tags].sort());
    } finally {
      await client.connection.close();
      server.close();
    }
  });
});
