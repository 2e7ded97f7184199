import { type Child, forkChild, isEntry, serveParent } from './child.js';
import { type FanOutData, type FanOutRepository, incrementalParts } from './graphql.js';

/** One incrementally delivered fan-out to time until its first tag names. */
export interface FirstPartSpec {
  url: string;
  query: string;
  variables: Record<string, unknown>;
}

/** How long the first part naming a tag took to arrive, how many it named, and which part it was. */
export interface FirstPartResult {
  ms: number;
  tags: number;
  /** 0 for the initial part, 1 for the first incremental one, ... */
  part: number;
}

/**
 * Sends the query and times it until the first part that names a tag (in the initial result's
 * repositories, or in streamed repositories) has been read and parsed.
 */
async function measureFirstPart(spec: FirstPartSpec): Promise<FirstPartResult> {
  const started = performance.now();
  let part = 0;
  for await (const { data, incremental = [] } of incrementalParts<FanOutData, FanOutRepository>(
    spec.url,
    spec.query,
    spec.variables,
  )) {
    const repositories = [
      ...(data?.repositories.nodes ?? []),
      ...incremental.flatMap((entry) => entry.items ?? []),
    ];
    const tags = repositories.flatMap((repository) => repository.tags.nodes).length;
    if (tags > 0) return { ms: performance.now() - started, tags, part };
    part++;
  }
  throw new Error(`${spec.url} ended before any part named a tag`);
}

/**
 * Forks this module as the first-part client: in a process of its own, as a browser is, so the
 * gateway's busy event loop (the deferred work it starts) never delays the client's reading.
 */
export async function forkFirstPartClient(): Promise<Child<FirstPartSpec, FirstPartResult>> {
  return (await forkChild<'ready', FirstPartSpec, FirstPartResult>(new URL(import.meta.url))).child;
}

if (isEntry(import.meta.url)) serveParent('ready', measureFirstPart);
