import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { CSRF_HEADERS } from '../src/gateway.js';

/** Keep-alive connections to the gateways and the hello-world server. */
const agent = new Agent({ connections: 8 });

/** What the fan-out asks of each tag besides its name. */
const TAG_DETAILS = `digest
  manifest {
    digest
    ... on ImageManifest {
      totalSize
      platform { os architecture }
      config { created }
      layers { digest size }
    }
  }`;

/**
 * Every repository with the prefix → every tag → digest, sizes, platform, creation time, layers;
 * with `defer`, each tag's details come after all the names (incremental delivery); with
 * `stream` too, each repository comes as its own part, in catalog order, once its tag list has.
 */
export function fanOutQuery(defer: boolean, stream = false): string {
  const details = defer ? `... @defer { ${TAG_DETAILS} }` : TAG_DETAILS;
  return `query FanOut($prefix: String!, $repositories: Int!, $tags: Int!) {
  repositories(first: $repositories, namePrefix: $prefix) {
    nodes${stream ? ' @stream(initialCount: 0)' : ''} {
      name
      tags(first: $tags) {
        totalCount
        nodes { name ${details} }
      }
    }
  }
}`;
}

/** The 20 newest tags of a repository. */
export const NEWEST_QUERY = `query Newest($repository: String!) {
  repository(name: $repository) {
    tags(orderBy: CREATED_DESC, first: 20) {
      totalCount
      nodes { name digest manifest { ... on ImageManifest { config { created } } } }
    }
  }
}`;

/** A repository of the fan-out answer, as far as the benchmark checks it (without `manifest` when deferred). */
export interface FanOutRepository {
  tags: { nodes: { name: string; manifest?: { config?: { created: string | null } } }[] };
}

/** The fan-out answer, as far as the benchmark checks it. */
export interface FanOutData {
  repositories: { nodes: FanOutRepository[] };
}

/** The NEWEST_QUERY answer, as far as the benchmark checks it. */
export interface NewestData {
  repository: { tags: { totalCount: number; nodes: { name: string }[] } };
}

/** The errors of a GraphQL answer. */
type Errors = { message: string }[];

/** A GraphQL answer. */
interface Answer<T> {
  data?: T;
  errors?: Errors;
}

/** The data of an answer; throws on errors or no data. */
function dataOf<T>(answer: Answer<T>, what: string): T {
  if (answer.errors?.length || !answer.data) {
    throw new Error(`${what}: ${answer.errors?.[0]?.message ?? 'no data'}`);
  }
  return answer.data;
}

/** POSTs a GraphQL operation as JSON to `url` and resolves its data; throws on errors. */
export async function postGraphql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const { statusCode, body } = await request(url, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await body.json()) as Answer<T>;
  if (statusCode !== 200 && !answer.errors) throw new Error(`${url} answered ${statusCode}`);
  return dataOf(answer, url);
}

/**
 * One part of an incremental delivery: the initial result (`data`), or a later one whose
 * `incremental` entries each carry a deferred fragment's `data` or a streamed list's next `items`.
 */
export interface Part<T, Item> {
  data?: T;
  incremental?: { data?: unknown; items?: Item[]; path: (string | number)[]; errors?: Errors }[];
  errors?: Errors;
  hasNext?: boolean;
}

/** The Content-Length header of a part: the size of its JSON in bytes. */
const PART_HEADERS = /content-length:\s*(\d+)/i;

/**
 * POSTs an operation asking for incremental delivery (`multipart/mixed`) and yields each part, as
 * soon as it has arrived, parsed; throws on a part with errors. Leaving the loop early drops the
 * connection (and so the rest).
 */
export async function* incrementalParts<T, Item>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
): AsyncGenerator<Part<T, Item>> {
  const { headers, body } = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
    body: JSON.stringify({ query, variables }),
  });
  try {
    if (!String(headers['content-type']).startsWith('multipart/mixed')) {
      throw new Error(`${url} answered ${headers['content-type']}, not multipart/mixed`);
    }
    // a part is `\r\n---\r\n<headers>\r\n\r\n<JSON>`; the last boundary is `\r\n-----\r\n`
    let buffer = Buffer.alloc(0);
    for await (const chunk of body) {
      buffer = Buffer.concat([buffer, chunk as Buffer]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) break;
        const length = PART_HEADERS.exec(buffer.toString('latin1', 0, end))?.[1];
        if (length === undefined) throw new Error(`${url} sent a part without a Content-Length`);
        const start = end + 4;
        if (buffer.length < start + Number(length)) break;
        const json = buffer.toString('utf8', start, start + Number(length));
        buffer = buffer.subarray(start + Number(length));
        const part = JSON.parse(json) as Part<T, Item>;
        const errors = [part, ...(part.incremental ?? [])].flatMap((p) => p.errors ?? []);
        if (errors[0]) throw new Error(`${url}: ${errors[0].message}`);
        yield part;
      }
    }
  } finally {
    body.destroy();
  }
}

/** The boundary of the benchmark's multipart requests (never inside its JSON or data). */
const BOUNDARY = 'regql-bench-boundary-7f3a9c';

/**
 * POSTs a GraphQL multipart request (github.com/jaydenseric/graphql-multipart-request-spec)
 * with one file, the variable `file`, and resolves its data; throws on errors. The body is sent
 * as it is built by hand, the file's bytes streamed after a small preamble, as `curl -F` does:
 * the client costs no more than the direct client's PATCH of the same bytes.
 */
export async function postGraphqlFile<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  file: string,
  bytes: Uint8Array<ArrayBuffer>,
): Promise<T> {
  const field = (name: string, value: string) =>
    `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    field('operations', JSON.stringify({ query, variables: { ...variables, [file]: null } })) +
      field('map', JSON.stringify({ 0: [`variables.${file}`] })) +
      `--${BOUNDARY}\r\ncontent-disposition: form-data; name="0"; filename="chunk.bin"\r\n` +
      'content-type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const { statusCode, body } = await request(url, {
    dispatcher: agent,
    method: 'POST',
    headers: {
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      'content-length': String(head.length + bytes.length + tail.length),
      accept: 'application/json',
      // multipart is what a form on another site could send: the gateway wants a CSRF header
      [CSRF_HEADERS[0]!]: '1',
    },
    body: Readable.from([head, bytes, tail], { objectMode: false }),
  });
  const answer = (await body.json()) as Answer<T>;
  if (statusCode !== 200 && !answer.errors) throw new Error(`${url} answered ${statusCode}`);
  return dataOf(answer, url);
}
