import { randomBytes } from 'node:crypto';
import { execute, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext, type Shared } from '../../src/context.js';
import { buildImage } from '../../src/demo/images.js';
import { ContentPusher } from '../../src/demo/seed.js';
import { AccessCache } from '../../src/loaders/access.js';
import { DigestCache } from '../../src/loaders/cache.js';
import { UploadTracker } from '../../src/loaders/uploads.js';
import { schema } from '../../src/schema/index.js';
import { compareCreated, type DatedTag } from '../../src/schema/tag-order.js';
import { RepositoryTagsDocument } from '../generated/graphql.js';
import { clientFor, seeded } from '../support/clients.js';
import { gatewayFor } from '../support/gateway.js';

const { registry } = seeded('open');
const direct = clientFor('open').client;
const gw = gatewayFor('open');
const repository = `created/window-${randomBytes(4).toString('hex')}`;

/** Months of nine images, out of name order, t5 and t7 alike; `alias` tags the image of t3. */
const MONTHS = [1, 6, 2, 7, 3, 8, 4, 8, 5];
const dated = MONTHS.map((month, i) => ({ name: `t${i}`, created: `2024-0${month}-01T00:00:00Z` }));
const tags: DatedTag[] = [...dated, { name: 'alias', created: dated[3]!.created }];

beforeAll(async () => {
  const pusher = new ContentPusher(direct);
  for (const { name, created } of dated) {
    const image = buildImage({ created, steps: [{ createdBy: `tag ${name}` }] });
    await pusher.push(repository, image, name === 't3' ? [name, 'alias'] : [name]);
  }
});

afterAll(async () => {
  await gw.close();
  await direct.connection.close();
});

describe('tags in creation order', () => {
  it.each(['CREATED_ASC', 'CREATED_DESC'] as const)(
    'pages through %s two at a time exactly as a full sort',
    async (orderBy) => {
      const expected = [...tags]
        .sort((a, b) => compareCreated(a, b, orderBy === 'CREATED_DESC'))
        .map((tag) => tag.name);
      const seen: string[] = [];
      let after: string | null | undefined;
      do {
        const { data, errors } = await gw.execute(RepositoryTagsDocument, {
          name: repository,
          first: 2,
          after,
          orderBy,
        });
        expect(errors).toBeUndefined();
        const connection = data?.repository?.tags;
        expect(connection?.totalCount).toBe(tags.length);
        seen.push(...(connection?.edges.map((edge) => edge.node.name) ?? []));
        after = connection?.pageInfo.hasNextPage ? connection.pageInfo.endCursor : undefined;
      } while (after);
      expect(seen).toEqual(expected);
    },
  );

  it("costs one request per tag, and the request's loaders keep only the page", async () => {
    const config = loadConfig({ REGISTRY_URL: registry.url, LOG_LEVEL: 'silent' });
    const shared: Shared = {
      config,
      client: direct,
      cache: new DigestCache(config.cacheMaxBytes),
      access: new AccessCache(config.accessCheckTtlMs),
      uploads: new UploadTracker(),
    };
    const context = createContext(shared, { request: new Request('http://regql.test/graphql') });
    const query = `query($r: String!) { repository(name: $r) { tags(orderBy: CREATED_DESC, first: 2) {
      nodes { name digest manifest { ... on ImageManifest { config { created } } } } } } }`;
    const result = await execute({
      schema,
      document: parse(query),
      variableValues: { r: repository },
      contextValue: context,
    });
    context.finish();
    expect(result.errors).toBeUndefined();
    const page = [...tags].sort((a, b) => compareCreated(a, b, true)).slice(0, 2);
    const { nodes } = (result.data as { repository: { tags: { nodes: { name: string }[] } } })
      .repository.tags;
    expect(nodes.map((node) => node.name)).toEqual(page.map((tag) => tag.name));
    // the tag list, one GET per tag, one GET per distinct config (alias shares t3's)
    expect(context.upstreamCalls.count).toBe(1 + tags.length + dated.length);
    const calls = context.upstreamCalls.count;
    for (const { name } of page)
      await context.loaders.manifest.load({ repository, reference: name });
    expect(context.upstreamCalls.count).toBe(calls);
    const off = tags.filter((tag) => !page.includes(tag));
    for (const { name } of off)
      await context.loaders.manifest.load({ repository, reference: name });
    expect(context.upstreamCalls.count).toBe(calls + off.length);
  });
});
