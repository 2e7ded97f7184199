import { type Child, forkChild, isEntry, serveParent } from './child.js';
import { type FanOutData, firstPart } from './graphql.js';

/** One deferred fan-out to time until its first part. */
export interface FirstPartSpec {
  url: string;
  query: string;
  variables: Record<string, unknown>;
}

/** How long the first part took to arrive, and how many tag names it held. */
export interface FirstPartResult {
  ms: number;
  tags: number;
}

/** Sends the query and times it until the first part has been read and parsed. */
async function measureFirstPart(spec: FirstPartSpec): Promise<FirstPartResult> {
  const started = performance.now();
  const data = await firstPart<FanOutData>(spec.url, spec.query, spec.variables);
  const ms = performance.now() - started;
  return { ms, tags: data.repositories.nodes.flatMap((r) => r.tags.nodes).length };
}

/**
 * Forks this module as the first-part client: in a process of its own, as a browser is, so the
 * gateway's busy event loop (the deferred work it starts) never delays the client's reading.
 */
export async function forkFirstPartClient(): Promise<Child<FirstPartSpec, FirstPartResult>> {
  return (await forkChild<'ready', FirstPartSpec, FirstPartResult>(new URL(import.meta.url))).child;
}

if (isEntry(import.meta.url)) serveParent('ready', measureFirstPart);
