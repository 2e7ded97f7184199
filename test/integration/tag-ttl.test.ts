import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  DeleteTagDocument,
  TagDetailsDocument,
  TagManifestDocument,
} from '../generated/graphql.js';
import { pushImage } from '../harness/fixtures.js';
import { seeded } from '../support/clients.js';
import { gatewayFor } from '../support/gateway.js';
import { readThenMove } from '../support/tags.js';

const { registry } = seeded('open');

/** A repository of its own for each test (its tags are moved). */
const scratch = () => `ttl/${randomUUID().slice(0, 8)}`;

/** `METHOD area` of each upstream call since `mark`. */
function callsSince(gw: ReturnType<typeof gatewayFor>, mark: number): string[] {
  return gw
    .registryCallsSince(mark)
    .map((e) => `${e.method} ${e.path.replace(/^\/v2\/.+?\/(manifests|blobs|tags)\/.*$/, '$1')}`);
}

describe('TAG_TTL_MS: a tag digest reused for a while', () => {
  it('within the TTL a tag costs no request, and a tag moved elsewhere shows its previous image', async () => {
    const gw = gatewayFor('open', { TAG_TTL_MS: '600000' });
    try {
      const { first, cold } = await readThenMove(gw, registry, scratch());
      expect(cold.data?.repository?.tag?.digest).toBe(first.digest);
      const repository = first.repository;
      const mark = gw.log.length;
      const warm = await gw.execute(TagDetailsDocument, { repository, tag: 'v1' });
      expect(warm).toEqual(cold);
      // only the repository's existence (its tag list) is asked: no HEAD or GET of the tag
      expect(callsSince(gw, mark)).toEqual(['GET tags']);
    } finally {
      await gw.close();
    }
  });

  it('after the TTL the registry is asked again and a moved tag shows its new image', async () => {
    const gw = gatewayFor('open', { TAG_TTL_MS: '1' });
    try {
      const repository = scratch();
      const { moved } = await readThenMove(gw, registry, repository);
      await sleep(20);
      const mark = gw.log.length;
      const again = await gw.execute(TagDetailsDocument, { repository, tag: 'v1' });
      expect(again.data?.repository?.tag?.digest).toBe(moved.digest);
      expect(callsSince(gw, mark)).toContain('GET manifests');
    } finally {
      await gw.close();
    }
  });

  it('a tag this gateway moves or deletes is seen at once, whatever the TTL', async () => {
    const gw = gatewayFor('open', { TAG_TTL_MS: '600000', READ_ONLY: 'false' });
    try {
      const repository = scratch();
      const first = await pushImage(registry, repository, 'v1');
      const other = await pushImage(registry, repository, 'other');
      const before = await gw.execute(TagDetailsDocument, { repository, tag: 'v1' });
      expect(before.data?.repository?.tag?.digest).toBe(first.digest);
      const retag = await gw.execute(TagManifestDocument, {
        repository,
        source: other.digest,
        tag: 'v1',
      });
      expect(retag.errors).toBeUndefined();
      const after = await gw.execute(TagDetailsDocument, { repository, tag: 'v1' });
      expect(after.data?.repository?.tag?.digest).toBe(other.digest);
      const deleted = await gw.execute(DeleteTagDocument, { repository, tag: 'v1' });
      expect(deleted.data?.deleteTag.deletedTags).toEqual(['v1']);
      const gone = await gw.execute(TagDetailsDocument, { repository, tag: 'v1' });
      expect(gone.errors).toBeUndefined();
      expect(gone.data?.repository?.tag).toBeNull();
    } finally {
      await gw.close();
    }
  });
});
