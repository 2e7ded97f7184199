import { Pool } from 'undici';
import { MANIFEST_ACCEPT } from '../src/registry/media-types.js';

/** What a direct fan-out read: tags, and how many of them had a creation time. */
export interface DirectFanOut {
  tags: number;
  dated: number;
}

/**
 * How much of the fan-out a direct client reads: `details`, everything; `names`, the catalog and
 * every tag list (what the first part of a deferred fan-out needs); `first names`, the catalog and
 * then the first repository's tag list (what the first streamed repository needs).
 */
export type Reach = 'details' | 'names' | 'first names';

/** How a direct client reaches an https registry: the CA it trusts, and whether over HTTP/2. */
export interface DirectTls {
  ca: string;
  http2: boolean;
}

/** `connections` HTTP/1.1 connections, or as many HTTP/2 streams on one connection. */
export function tlsPoolOptions(connections: number, { ca, http2 }: DirectTls) {
  return http2
    ? { connect: { ca }, allowH2: true, connections: 1, pipelining: connections }
    : { connect: { ca }, connections };
}

/**
 * Reads what the fan-out query answers the way a hand-written client would, with `connections`
 * connections to `origin` (a fresh pool, as a cold gateway has): the catalog, then per repository
 * its tag list, each tag's manifest (full Accept list) as soon as the list arrives, and each
 * distinct config as soon as a manifest names it; as far as `reach` says; over `tls` for an
 * https registry. No verification, no parsing beyond JSON.
 */
export async function directFanOut(
  origin: string,
  connections: number,
  prefix: string,
  reach: Reach = 'details',
  tls?: DirectTls,
): Promise<DirectFanOut> {
  const pool = new Pool(origin, tls ? tlsPoolOptions(connections, tls) : { connections });
  const get = async <T>(path: string, accept = 'application/json'): Promise<T> => {
    const { statusCode, body } = await pool.request({ method: 'GET', path, headers: { accept } });
    if (statusCode !== 200) {
      await body.dump();
      throw new Error(`GET ${path} answered ${statusCode}`);
    }
    return (await body.json()) as T;
  };
  const configs = new Map<string, Promise<{ created?: string }>>();
  const config = (repository: string, digest: string) => {
    const key = `${repository}@${digest}`;
    let pending = configs.get(key);
    if (!pending) {
      pending = get(`/v2/${repository}/blobs/${digest}`);
      configs.set(key, pending);
    }
    return pending;
  };
  try {
    const { repositories } = await get<{ repositories: string[] }>('/v2/_catalog?n=1000');
    const fanOut = repositories.filter((name) => name.startsWith(prefix));
    const created = await Promise.all(
      (reach === 'first names' ? fanOut.slice(0, 1) : fanOut).map(async (repository) => {
        const { tags } = await get<{ tags: string[] }>(`/v2/${repository}/tags/list`);
        if (reach !== 'details') return tags.map(() => undefined);
        return Promise.all(
          tags.map(async (tag) => {
            const manifest = await get<{ config: { digest: string } }>(
              `/v2/${repository}/manifests/${tag}`,
              MANIFEST_ACCEPT,
            );
            return (await config(repository, manifest.config.digest)).created;
          }),
        );
      }),
    );
    const all = created.flat();
    return { tags: all.length, dated: all.filter((time) => time !== undefined).length };
  } finally {
    await pool.close();
  }
}
