import { CATALOG_SCOPE } from './auth.js';
import type { RegistryClient } from './client.js';
import { fetchAll, fetchPage, type ListEndpoint, type Page, type PageRequest } from './paging.js';

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
}
