import { randomUUID } from 'node:crypto';
import { parse } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import {
  RepositoryFanOutDocument,
  RepositoryManifestDocument,
  TagDetailsDocument,
} from '../generated/graphql.js';
import { seeded } from '../support/clients.js';
import { gatewayAt, gatewayFor } from '../support/gateway.js';
import { present } from '../support/present.js';
import { startProxy } from '../support/proxy.js';
import { readThenMove } from '../support/tags.js';

const { fixtures, registry } = seeded('open');

/** `METHOD path-kind` of each upstream call, for readable expectations. */
function calls(events: { method: string; path: string }[]): string[] {
  return events.map(
    (e) => `${e.method} ${e.path.replace(/^\/v2\/.+?\/(manifests|blobs|tags)\/.*$/, '$1')}`,
  );
}

describe('loading: every distinct upstream object once per query', () => {
  const gw = gatewayFor('open');
  afterAll(() => gw.close());

  it('fans out over tags sharing one digest: one tag list, one GET per tag, one config', async () => {
    const f = fixtures.shared;
    const mark = gw.log.length;
    const { data, errors } = await gw.execute(RepositoryFanOutDocument, { name: f.repository });
    expect(errors).toBeUndefined();
    const tags = present(data?.repository?.tags, 'repository.tags').nodes;
    expect(tags.map((t) => t.digest)).toEqual(f.tags.map(() => f.digest));
    // Manifest.tags of every tag re-reads the same tag list and the same tag manifests: no new calls
    expect(calls(gw.registryCallsSince(mark)).sort()).toEqual(
      ['GET tags', ...f.tags.map(() => 'GET manifests'), 'GET blobs'].sort(),
    );
  });

  it('fans out over a multi-arch index: the index, each child and each config once', async () => {
    const f = fixtures.multiArch;
    const mark = gw.log.length;
    const { data, errors } = await gw.execute(RepositoryFanOutDocument, { name: f.repository });
    expect(errors).toBeUndefined();
    const index = present(data?.repository?.tags, 'repository.tags').nodes[0]?.manifest;
    if (index?.__typename !== 'ImageIndex') throw new Error(`got ${index?.__typename}`);
    expect(index.manifests.map((m) => m.manifest?.digest).sort()).toEqual(
      f.platforms.map((p) => p.digest).sort(),
    );
    const children = f.platforms.length;
    expect(calls(gw.registryCallsSince(mark)).sort()).toEqual(
      [
        'GET tags',
        'GET manifests',
        ...Array(children).fill('GET manifests'),
        ...Array(children).fill('GET blobs'),
      ].sort(),
    );
  });

  it('warm: a conditional GET per tag answered 304, and no GET of anything addressed by digest', async () => {
    const f = fixtures.multiArch;
    const cold = await gw.execute(RepositoryFanOutDocument, { name: f.repository });
    const mark = gw.log.length;
    const warm = await gw.execute(RepositoryFanOutDocument, { name: f.repository });
    expect(warm).toEqual(cold);
    const upstream = gw.registryCallsSince(mark);
    expect(calls(upstream)).toEqual(['GET tags', 'GET manifests']);
    // not a HEAD: undici closes the connection after each HEAD
    expect(upstream.map((e) => e.status)).toEqual([200, 304]);
  });

  it('a tag moved since: the same one conditional GET brings the new manifest', async () => {
    const repository = `moved/${randomUUID().slice(0, 8)}`;
    const { first, cold, moved } = await readThenMove(gw, registry, repository);
    expect(cold.data?.repository?.tag?.digest).toBe(first.digest);
    const mark = gw.log.length;
    const again = await gw.execute(TagDetailsDocument, { repository, tag: 'v1' });
    expect(again.data?.repository?.tag?.digest).toBe(moved.digest);
    const tagCalls = gw
      .registryCallsSince(mark)
      .filter((e) => e.path === `/v2/${repository}/manifests/v1`);
    expect(tagCalls.map((e) => `${e.method} ${e.status}`)).toEqual(['GET 200']);
    // the new manifest is not asked for again by its digest
    expect(gw.registryCallsSince(mark).some((e) => e.path.includes(moved.digest))).toBe(false);
  });

  it('a fresh gateway (empty cache) is cold again', async () => {
    const fresh = gatewayFor('open');
    const f = fixtures.dockerImage;
    await fresh.execute(RepositoryFanOutDocument, { name: f.repository });
    expect(calls(fresh.registryCallsSince(0)).sort()).toEqual(
      ['GET tags', 'GET manifests', 'GET blobs'].sort(),
    );
    await fresh.close();
  });
});

describe('repository existence: the cheapest tag-list request that answers it', () => {
  it('asks nothing of its own when a field below reads the repository, else one name of the tag list', async () => {
    const proxy = await startProxy(registry.url);
    const gw = gatewayAt(proxy.url);
    try {
      const f = fixtures.shared;
      const tagLists = () =>
        proxy.seen.filter((r) => r.path.includes('/tags/list')).map((r) => r.path);
      const probe = await gw.execute(RepositoryManifestDocument, {
        name: f.repository,
        reference: f.digest,
      });
      expect(probe.data?.repository?.manifest?.digest).toBe(f.digest);
      // the manifest read below proves the repository: no request for its existence alone
      expect(tagLists()).toEqual([]);
      expect(proxy.seen.map((r) => r.path)).toEqual([`/v2/${f.repository}/manifests/${f.digest}`]);
      proxy.seen.length = 0;
      const named = await gw.execute(parse(`{ repository(name: "${f.repository}") { name } }`));
      expect(named).toEqual({ data: { repository: { name: f.repository } } });
      expect(tagLists()).toEqual([`/v2/${f.repository}/tags/list?n=1`]);
      const missing = await gw.execute(RepositoryManifestDocument, {
        name: 'no/such/repository',
        reference: f.digest,
      });
      expect(missing).toEqual({ data: { repository: null } });
      proxy.seen.length = 0;
      // Manifest.tags reads the whole list: it alone answers the existence too
      const details = await gw.execute(TagDetailsDocument, {
        repository: f.repository,
        tag: f.tags[0]!,
      });
      expect(present(details.data?.repository?.tag?.manifest, 'tag.manifest').tags?.length).toBe(
        f.tags.length,
      );
      expect(tagLists()).toEqual([`/v2/${f.repository}/tags/list?n=1000`]);
    } finally {
      await gw.close();
      await proxy.close();
    }
  });
});
