import LinkHeader from 'http-link-header';
import type { RegistryCall, RegistryClient } from './client.js';
import { badInput, RegistryError } from './errors.js';
import { header } from './http.js';

/** Largest page registry 2.8 accepts (`n` > 1000 is PAGINATION_NUMBER_INVALID). */
export const MAX_PAGE_SIZE = 1000;

/** Largest list response read, in bytes. */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

/** Where a page starts and how long it is. */
export interface PageRequest {
  /** Page size, 1 to 1000; the registry's own default when absent. */
  n?: number;
  /** The last name of the previous page. */
  last?: string;
}

/** One page of names, and where the next one starts (absent on the last page). */
export interface Page {
  items: string[];
  next?: PageRequest;
}

/** A paged list endpoint: its path, the JSON member holding the names, scopes and error label. */
export type ListEndpoint = Pick<RegistryCall, 'path' | 'scopes' | 'what'> & { member: string };

/** Fetches one page of a paged list, following the `Link: <…>; rel="next"` header. */
export async function fetchPage(
  client: RegistryClient,
  endpoint: ListEndpoint,
  page: PageRequest = {},
): Promise<Page> {
  if (page.n !== undefined && (!Number.isInteger(page.n) || page.n < 1 || page.n > MAX_PAGE_SIZE)) {
    badInput(`page size must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${page.n}`);
  }
  const call = {
    ...endpoint,
    method: 'GET',
    query: { n: page.n, last: page.last },
    headers: { accept: 'application/json' },
    expect: [200],
  } as const;
  const { response, bytes: body } = await client.fetchBytes(call, MAX_LIST_BYTES);
  const link = header(response.headers, 'link');
  const items = parseNames(body, endpoint.member, endpoint.what);
  const next = link ? nextPage(link, response.url) : undefined;
  return next ? { items, next } : { items };
}

/**
 * Every name of a paged list, page after page. A list that came in one page (registry 2.8 answers
 * a whole tag list at once, whatever `n` says) is returned as parsed, not copied.
 */
export async function fetchAll(
  client: RegistryClient,
  endpoint: ListEndpoint,
  pageSize = MAX_PAGE_SIZE,
): Promise<string[]> {
  const pages: string[][] = [];
  let page: PageRequest | undefined = { n: pageSize };
  while (page) {
    const result: Page = await fetchPage(client, endpoint, page);
    pages.push(result.items);
    page = result.next;
  }
  return pages.length === 1 ? pages[0]! : pages.flat();
}

function parseNames(body: Buffer, member: string, what: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError('UPSTREAM_ERROR', `${what}: the registry answered invalid JSON`);
  }
  const names = (parsed as Record<string, unknown> | null)?.[member];
  if (names === null || names === undefined) return [];
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new RegistryError('UPSTREAM_ERROR', `${what}: the registry answered an invalid list`);
  }
  return names;
}

/** The next page named by a Link header, or undefined when there is none. */
export function nextPage(link: string, base: URL): PageRequest | undefined {
  let target: string | undefined;
  try {
    target = LinkHeader.parse(link).rel('next')[0]?.uri;
  } catch {
    return undefined;
  }
  if (!target) return undefined;
  const url = new URL(target, base);
  const last = url.searchParams.get('last') ?? undefined;
  if (last === undefined) return undefined;
  const n = Number(url.searchParams.get('n'));
  return Number.isInteger(n) && n >= 1 && n <= MAX_PAGE_SIZE ? { n, last } : { last };
}
