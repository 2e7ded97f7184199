import { CATALOG_SCOPE } from './auth.js';
import type { RegistryClient } from './client.js';
import { type ErrorCode, isRegistryError } from './errors.js';
import { fetchAll, fetchPage, type ListEndpoint, type Page, type PageRequest } from './paging.js';
import { validateRepository } from './reference.js';

/** Largest catalog page asked of the registry (registry 2.8 refuses more than 1000). */
const CATALOG_PAGE = 1000;

const CATALOG: ListEndpoint = {
  path: '/v2/_catalog',
  member: 'repositories',
  scopes: [CATALOG_SCOPE],
  what: 'catalog',
};

/** `GET /v2/_catalog`, paged with `n`/`last` and `Link`. */
export class CatalogApi {
  constructor(private readonly client: RegistryClient) {}

  /** One page of repository names, in the registry's (lexical) order. */
  page(request: PageRequest = {}): Promise<Page> {
    return fetchPage(this.client, CATALOG, request);
  }

  /** Every repository name, fetched page by page. */
  all(pageSize?: number): Promise<string[]> {
    return fetchAll(this.client, CATALOG, pageSize);
  }

  /**
   * Up to `limit` repository names that start with `prefix`, in catalog order, after the name
   * `after` when given. The catalog is sorted, so paging starts just below the prefix and stops
   * at the first name past it.
   */
  async named(prefix: string, limit: number, after?: string): Promise<string[]> {
    const names: string[] = [];
    let last = after ?? lastBefore(prefix);
    for (;;) {
      const page = await this.page({ n: CATALOG_PAGE, last });
      for (const name of page.items) {
        if (name.startsWith(prefix)) names.push(name);
        else if (catalogKey(name) > catalogKey(prefix)) return names;
        if (names.length >= limit) return names;
      }
      last = page.next?.last;
      if (last === undefined) return names;
    }
  }

  /**
   * Whether the catalog lists the repository `name` (its first name with that prefix is it):
   * false where the registry has no catalog, or does not let the caller read it.
   */
  async contains(name: string): Promise<boolean> {
    validateRepository(name);
    try {
      return (await this.named(name, 1))[0] === name;
    } catch (error) {
      if (UNLISTED.some((code) => isRegistryError(error, code))) return false;
      throw error;
    }
  }
}

/** What a registry without a readable catalog answers for it (GHCR has none; tokens may lack the scope). */
const UNLISTED: readonly ErrorCode[] = ['NOT_FOUND', 'UNAUTHORIZED', 'FORBIDDEN', 'UNSUPPORTED'];

/**
 * The registry's catalog order: names compared with `/` below every other character (registry
 * 2.8 walks its storage tree this way, and skips a whole folder that sorts before `last`).
 */
function catalogKey(name: string): string {
  return name.replaceAll('/', '\u0000');
}

/** A `last` just below every name that starts with `prefix`, in catalog order. */
function lastBefore(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  if (prefix.endsWith('/')) return prefix.replace(/\/+$/, '') || undefined;
  const end = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(end - 1);
}
