import { pullScope } from './auth.js';
import type { RegistryClient } from './client.js';
import { fetchAll, fetchPage, type ListEndpoint, type Page, type PageRequest } from './paging.js';
import { validateRepository } from './reference.js';

/** `GET /v2/<name>/tags/list`, paged with `n`/`last` and `Link`. */
export class TagsApi {
  constructor(private readonly client: RegistryClient) {}

  /** One page of tags, in the registry's order (registry 2.8 does not sort them). */
  page(repository: string, request: PageRequest = {}): Promise<Page> {
    return fetchPage(this.client, endpoint(repository), request);
  }

  /** Every tag of the repository, sorted by name. */
  async all(repository: string, pageSize?: number): Promise<string[]> {
    const tags = await fetchAll(this.client, endpoint(repository), pageSize);
    return tags.sort();
  }
}

function endpoint(repository: string): ListEndpoint {
  validateRepository(repository);
  return {
    path: `/v2/${repository}/tags/list`,
    member: 'tags',
    scopes: [pullScope(repository)],
    what: `tags of ${repository}`,
  };
}
