// Support for the mutation tests: GraphQL multipart requests (uploads), fresh repository names,
// and readable summaries of what a gateway sent upstream.
import { randomBytes } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type DocumentNode, type ExecutionResult, print } from 'graphql';
import { expect } from 'vitest';
import type { TestGateway } from './gateway.js';

/** Where a multipart request goes: the global `fetch` to a port, or a Yoga app's `fetch`. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response> | Response;

/**
 * A GraphQL multipart request body (github.com/jaydenseric/graphql-multipart-request-spec):
 * `operations` with each file variable set to null, `map` from part name to variable, the files.
 */
export function multipartBody(
  document: DocumentNode,
  variables: object,
  files: Record<string, Blob>,
): FormData {
  const names = Object.keys(files);
  const nulls = Object.fromEntries(names.map((name) => [name, null]));
  const map = Object.fromEntries(names.map((name, part) => [String(part), [`variables.${name}`]]));
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({ query: print(document), variables: { ...variables, ...nulls } }),
  );
  form.set('map', JSON.stringify(map));
  for (const [part, name] of names.entries())
    form.set(String(part), files[name] as Blob, `${name}.bin`);
  return form;
}

/** A multipart request body as the bytes a client sends, with its Content-Type (and boundary). */
export async function multipartBytes(
  document: DocumentNode,
  variables: object,
  files: Record<string, Blob>,
): Promise<{ bytes: Buffer; contentType: string }> {
  const response = new Response(multipartBody(document, variables, files));
  const bytes = Buffer.from(await response.arrayBuffer());
  return { bytes, contentType: response.headers.get('content-type') ?? '' };
}

/**
 * A request body sent in two parts, without a Content-Length (chunked): `bytes` up to `at`, and
 * the rest only once `gate` resolves, as from a client still sending.
 */
export function heldBody(bytes: Buffer, at: number, gate: Promise<void>): ReadableStream {
  return new ReadableStream({
    async start(controller) {
      controller.enqueue(bytes.subarray(0, at));
      await gate;
      controller.enqueue(bytes.subarray(at));
      controller.close();
    },
  });
}

/** Runs a typed operation as a multipart request to `url`; `files` gives its File variables. */
export async function executeMultipart<R, V, K extends keyof V & string>(
  fetch: Fetch,
  url: string,
  document: TypedDocumentNode<R, V>,
  variables: Omit<V, K>,
  files: Record<K, Blob>,
): Promise<ExecutionResult<R>> {
  const body = multipartBody(document, variables, files);
  const response = await fetch(url, {
    method: 'POST',
    // the CSRF header: multipart is a request browsers send without a preflight
    headers: { accept: 'application/json', 'x-regql-csrf': '1' },
    body,
  });
  return (await response.json()) as ExecutionResult<R>;
}

/** executeMultipart bound to a test gateway's Yoga app (no port). */
export function multipartThrough(gw: TestGateway) {
  return <R, V, K extends keyof V & string>(
    document: TypedDocumentNode<R, V>,
    variables: Omit<V, K>,
    files: Record<K, Blob>,
  ): Promise<ExecutionResult<R>> =>
    executeMultipart(
      (url, init) => gw.gateway.yoga.fetch(url, init),
      'http://regql.test/graphql',
      document,
      variables,
      files,
    );
}

/** A repository name no other test uses, `<namespace>/<name>-<random hex>`: writes never collide. */
export function freshRepository(name: string, namespace = 'mut'): string {
  return `${namespace}/${name}-${randomBytes(4).toString('hex')}`;
}

/**
 * `METHOD <path after /v2/<repository>> STATUS` of each registry call since `mark`, upload
 * locations shortened to `/blobs/uploads/`.
 */
export function upstreamCalls(gw: TestGateway, mark: number, repository: string): string[] {
  return gw.registryCallsSince(mark).map((event) => {
    const path = event.path
      .replace(`/v2/${repository}`, '')
      .replace(/\/blobs\/uploads\/.+$/, '/blobs/uploads/');
    return `${event.method} ${path} ${event.status}`;
  });
}

/**
 * Sends an operation that must be refused before any upstream call (token requests included);
 * resolves the error code it got.
 */
export async function codeWithoutUpstream(
  gw: TestGateway,
  send: () => Promise<ExecutionResult<unknown>>,
): Promise<unknown> {
  const mark = gw.log.length;
  const { errors } = await send();
  expect(gw.log.slice(mark).map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([]);
  return errors?.[0]?.extensions?.code;
}
