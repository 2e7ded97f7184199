// Hostile input for every argument of the API: each is refused with BAD_USER_INPUT (or the
// documented code) and a short, clear message, before anything is sent upstream.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import fc from 'fast-check';
import { type ExecutionResult, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCI_CONFIG, OCI_MANIFEST } from '../../src/registry/media-types.js';
import { seeded } from '../support/clients.js';
import { gatewayFor } from '../support/gateway.js';
import { multipartBody } from '../support/multipart.js';
import { closeServer, listen } from '../support/proxy.js';

const { registry, fixtures } = seeded('open');
/** Upload size limit of the gateway under test, small so an oversized file is cheap. */
const MAX_CHUNK_BYTES = 1024;
// READ_ONLY is checked before inputs: mutations must be allowed to reach their validation
const gw = gatewayFor('open', { READ_ONLY: 'false', MAX_CHUNK_BYTES: String(MAX_CHUNK_BYTES) });
afterAll(() => gw.close());

/** An existing repository, for fields nested in `repository(name:)`. */
const REPO = fixtures.paged.repository;
/** A repository nothing else uses, for mutations: should one get through, it changes nothing shared. */
const FRESH = 'mut/bad-input';
/** A well-formed digest, for the arguments a row does not attack. */
const DIGEST = `sha256:${'0'.repeat(64)}`;
/** A well-formed OCI image manifest naming a config blob no repository holds. */
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: OCI_CONFIG, digest: `sha256:${'1'.repeat(64)}`, size: 2 },
  layers: [],
});
/** Longest error message accepted: hostile values are quoted shortened, never in full. */
const MAX_MESSAGE_LENGTH = 400;
/** Where the gateway's Yoga app is asked (no port). */
const ENDPOINT = 'http://regql.test/graphql';

/** base64url of a text. */
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
/** An upload id as the gateway issues them: base64url JSON of repository and location. */
const uploadId = (r: string, l = `/v2/${r}/blobs/uploads/${randomUUID()}`) =>
  b64(JSON.stringify({ r, l }));
/** A one-byte multipart file. */
const smallFile = () => new Blob(['x']);

/** A GraphQL request: an operation, its variables, and the files of a multipart request. */
interface Operation {
  query: string;
  variables?: Record<string, unknown>;
  files?: Record<string, Blob>;
}

/** An Operation from its parts. */
const op = (query: string, variables: Record<string, unknown> = {}, files?: Record<string, Blob>) =>
  ({ query, variables, files }) satisfies Operation;

/** One argument that takes a kind of value: the operation around a value. */
interface Site {
  /** The argument, as the test title shows it. */
  argument: string;
  /** The operation with `value` in that argument and valid values in the others. */
  build: (value: string) => Operation;
  /** Other names the message may use for the argument. */
  labels?: string[];
}

/** How a site fills the operation's other variables and files. */
interface SiteOptions extends Pick<Site, 'labels'> {
  /** Variables besides `$v`, or a function of the value giving them. */
  fixed?: Record<string, unknown> | ((value: string) => Record<string, unknown>);
  /** What `$v` is made of from the value, when not the value itself. */
  wrap?: (value: string) => unknown;
  files?: Record<string, Blob>;
}

/** A site whose operation `query` takes the hostile value as `$v`. */
function site(argument: string, query: string, options: SiteOptions = {}): Site {
  const { fixed = {}, wrap = (value: string): unknown => value, files, labels } = options;
  const others = typeof fixed === 'function' ? fixed : () => fixed;
  return {
    argument,
    build: (value) => ({ query, variables: { ...others(value), v: wrap(value) }, files }),
    labels,
  };
}

/** A hostile value, or a title for it and the value (for values that do not speak for themselves). */
type Hostile = string | [title: string, value: string];

/** One hostile input and what the answer must show. */
interface Row extends Operation {
  title: string;
  /** The message must hold one of these: the argument's name, or the value (its start). */
  names: string[];
  /** The hostile value, which the message must not echo in full when it is long. */
  value: string;
}

/** A value for a test title: quoted, long ones cut. */
function shown(value: string): string {
  return JSON.stringify(
    value.length > 40 ? `${value.slice(0, 24)}…(${value.length} chars)` : value,
  );
}

/** Every site with every value: the message must name `label` (or a site's label), or the value. */
function rows(label: string, sites: Site[], values: Hostile[]): Row[] {
  return sites.flatMap((site) =>
    values.map((hostile) => {
      const [title, value] = typeof hostile === 'string' ? [shown(hostile), hostile] : hostile;
      const names = [label, ...(site.labels ?? [])];
      return {
        ...site.build(value),
        title: `${site.argument} ← ${title}`,
        names: value === '' ? names : [...names, value.slice(0, 40)],
        value,
      };
    }),
  );
}

/** Sends an operation (multipart when it has files) to the gateway; its answer. */
async function send(operation: Operation): Promise<ExecutionResult> {
  const { query, variables = {}, files } = operation;
  const init: RequestInit = files
    ? {
        method: 'POST',
        headers: { 'x-regql-csrf': '1' },
        body: multipartBody(parse(query), variables, files),
      }
    : {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      };
  const response = await gw.gateway.yoga.fetch(ENDPOINT, init);
  return (await response.json()) as ExecutionResult;
}

/** `METHOD path` of every upstream request (token requests included) that `run` made. */
async function upstreamOf(run: () => Promise<unknown>): Promise<string[]> {
  const mark = gw.log.length;
  await run();
  return gw.log.slice(mark).map((event) => `${event.method} ${event.path}`);
}

/** Fails when `text` holds a stack frame. */
function expectNoStack(text: string): void {
  expect(text).not.toMatch(/\bat .*:\d+:\d+/);
}

/**
 * Runs a row: its code, its message, and not one upstream request, not even for the fields around
 * a nested argument (every argument is checked before any field runs).
 */
async function check(row: Row): Promise<void> {
  let answer: ExecutionResult = {};
  const calls = await upstreamOf(async () => {
    answer = await send(row);
  });
  const error = answer.errors?.[0];
  expect(error?.extensions?.code, JSON.stringify(answer)).toBe('BAD_USER_INPUT');
  expect(calls, `upstream: ${calls.join(', ')}`).toEqual([]);
  const message = error?.message ?? '';
  expect(
    row.names.some((name) => message.includes(name)),
    message,
  ).toBe(true);
  expect(message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
  if (row.value.length > 100) expect(message).not.toContain(row.value);
  expectNoStack(JSON.stringify(answer));
}

/** The variables of an image index, for arguments nested in one. */
const IN_INDEX = { i: `${fixtures.multiArch.repository}:${fixtures.multiArch.tag}` };
/** The variables of an image manifest with a referrer, for arguments nested in one. */
const IN_IMAGE = { i: `${fixtures.ociImage.repository}:${fixtures.ociImage.tag}` };

/** Every argument that takes a repository name. */
const repositorySites: Site[] = [
  site('repository(name:)', 'query($v: String!) { repository(name: $v) { name } }'),
  site(
    'blob(repository:)',
    'query($v: String!, $d: Digest!) { blob(repository: $v, digest: $d) { size } }',
    { fixed: { d: DIGEST } },
  ),
  site(
    'upload(repository:)',
    'query($v: String!, $id: String!) { upload(repository: $v, id: $id) { offset } }',
    // an id of that very repository, so that the name itself is what gets checked
    { fixed: (v) => ({ id: uploadId(v) }) },
  ),
  site(
    'manifestNegotiation(repository:)',
    'query($v: String!) { manifestNegotiation(repository: $v, reference: "v1") { status } }',
  ),
  site('image(reference:) name', 'query($v: String!) { image(reference: $v) { digest } }', {
    wrap: (v) => `${v}:latest`,
  }),
  site('node(id:) Repository:<name>', 'query($v: ID!) { node(id: $v) { id } }', {
    wrap: (v) => b64(`Repository:${v}`),
    labels: ['global id'],
  }),
  site('node(id:) Tag:<name>:v1', 'query($v: ID!) { node(id: $v) { id } }', {
    wrap: (v) => b64(`Tag:${v}:v1`),
    labels: ['global id'],
  }),
  site(
    'deleteManifest(repository:)',
    'mutation($v: String!, $d: Digest!) { deleteManifest(repository: $v, digest: $d) { digest } }',
    { fixed: { d: DIGEST } },
  ),
  site(
    'deleteTag(repository:)',
    'mutation($v: String!) { deleteTag(repository: $v, tag: "v1") { digest } }',
  ),
  site(
    'deleteBlob(repository:)',
    'mutation($v: String!, $d: Digest!) { deleteBlob(repository: $v, digest: $d) { digest } }',
    { fixed: { d: DIGEST } },
  ),
  site('startUpload(repository:)', 'mutation($v: String!) { startUpload(repository: $v) { id } }'),
  site(
    'uploadChunk(repository:)',
    'mutation($v: String!, $id: String!, $chunk: File!) { uploadChunk(repository: $v, id: $id, chunk: $chunk) { id } }',
    { fixed: (v) => ({ id: uploadId(v) }), files: { chunk: smallFile() } },
  ),
  site(
    'completeUpload(repository:)',
    'mutation($v: String!, $id: String!, $d: Digest!) { completeUpload(repository: $v, id: $id, digest: $d) { size } }',
    { fixed: (v) => ({ id: uploadId(v), d: DIGEST }) },
  ),
  site(
    'cancelUpload(repository:)',
    'mutation($v: String!, $id: String!) { cancelUpload(repository: $v, id: $id) }',
    { fixed: (v) => ({ id: uploadId(v) }) },
  ),
  site(
    'uploadBlob(repository:)',
    'mutation($v: String!, $file: File!) { uploadBlob(repository: $v, file: $file) { size } }',
    { files: { file: smallFile() } },
  ),
  site(
    'mountBlob(repository:)',
    'mutation($v: String!, $d: Digest!) { mountBlob(repository: $v, digest: $d, from: "mut/other") { size } }',
    { fixed: { d: DIGEST } },
  ),
  site(
    'mountBlob(from:)',
    'mutation($v: String!, $d: Digest!, $r: String!) { mountBlob(repository: $r, digest: $d, from: $v) { size } }',
    { fixed: { d: DIGEST, r: FRESH } },
  ),
  site(
    'putManifest(repository:)',
    'mutation($v: String!, $m: String!) { putManifest(repository: $v, reference: "v1", manifest: $m) { digest } }',
    { fixed: { m: MANIFEST } },
  ),
  site(
    'tagManifest(repository:)',
    'mutation($v: String!) { tagManifest(repository: $v, source: "v1", tag: "v2") { name } }',
  ),
];

const HOSTILE_NAMES = [
  '../x',
  'a/../b',
  'a/./b',
  '%2e%2e/x',
  '..%2fx',
  'Fixtures/Paged',
  'a'.repeat(256),
  '',
  'a//b',
  '/etc/passwd',
  'a/b/',
  'a b',
  'a\nb',
  'a?b=c',
  'a#b',
  'a\\b',
];

/** String arguments that take a tag, or a reference (a tag, or a digest when it has a colon). */
const referenceSites: Site[] = [
  site(
    'Repository.manifest(reference:)',
    'query($r: String!, $v: String!) { repository(name: $r) { manifest(reference: $v) { digest } } }',
    { fixed: { r: REPO } },
  ),
  site(
    'manifestNegotiation(reference:)',
    'query($r: String!, $v: String!) { manifestNegotiation(repository: $r, reference: $v) { status } }',
    { fixed: { r: REPO } },
  ),
  site(
    'tagManifest(source:)',
    'mutation($r: String!, $v: String!) { tagManifest(repository: $r, source: $v, tag: "v2") { name } }',
    { fixed: { r: FRESH } },
  ),
  site(
    'putManifest(reference:)',
    'mutation($r: String!, $v: String!, $m: String!) { putManifest(repository: $r, reference: $v, manifest: $m) { digest } }',
    { fixed: { r: FRESH, m: MANIFEST } },
  ),
];

/** Arguments that take only a tag. */
const tagSites: Site[] = [
  site(
    'Repository.tag(name:)',
    'query($r: String!, $v: String!) { repository(name: $r) { tag(name: $v) { name } } }',
    { fixed: { r: REPO } },
  ),
  site('image(reference:) tag', 'query($v: String!) { image(reference: $v) { digest } }', {
    wrap: (v) => `${REPO}:${v}`,
  }),
  site('node(id:) Tag:<repo>:<tag>', 'query($v: ID!) { node(id: $v) { id } }', {
    wrap: (v) => b64(`Tag:${REPO}:${v}`),
  }),
  site(
    'deleteTag(tag:)',
    'mutation($r: String!, $v: String!) { deleteTag(repository: $r, tag: $v) { digest } }',
    { fixed: { r: FRESH } },
  ),
  site(
    'tagManifest(tag:)',
    'mutation($r: String!, $v: String!) { tagManifest(repository: $r, source: "v1", tag: $v) { name } }',
    { fixed: { r: FRESH } },
  ),
];

const HOSTILE_TAGS = [
  'a/b',
  '../x',
  '%2e%2e',
  'x'.repeat(129),
  '.hidden',
  '-v1',
  '',
  'v 1',
  'v1\n',
  'v1?x=y',
  'vé',
];

/** Arguments of the Digest scalar: refused while the variables are read, before anything runs. */
const digestSites: Site[] = [
  site(
    'blob(digest:)',
    'query($r: String!, $v: Digest!) { blob(repository: $r, digest: $v) { size } }',
    { fixed: { r: REPO } },
  ),
  site(
    'Repository.blob(digest:)',
    'query($r: String!, $v: Digest!) { repository(name: $r) { blob(digest: $v) { size } } }',
    { fixed: { r: REPO } },
  ),
  site(
    'deleteManifest(digest:)',
    'mutation($r: String!, $v: Digest!) { deleteManifest(repository: $r, digest: $v) { digest } }',
    { fixed: { r: FRESH } },
  ),
  site(
    'deleteBlob(digest:)',
    'mutation($r: String!, $v: Digest!) { deleteBlob(repository: $r, digest: $v) { digest } }',
    { fixed: { r: FRESH } },
  ),
  site(
    'completeUpload(digest:)',
    'mutation($r: String!, $id: String!, $v: Digest!) { completeUpload(repository: $r, id: $id, digest: $v) { size } }',
    { fixed: { r: FRESH, id: uploadId(FRESH) } },
  ),
  site(
    'uploadBlob(digest:)',
    'mutation($r: String!, $file: File!, $v: Digest) { uploadBlob(repository: $r, file: $file, digest: $v) { size } }',
    { fixed: { r: FRESH }, files: { file: smallFile() } },
  ),
  site(
    'mountBlob(digest:)',
    'mutation($r: String!, $v: Digest!) { mountBlob(repository: $r, digest: $v, from: "mut/other") { size } }',
    { fixed: { r: FRESH } },
  ),
];

const HOSTILE_DIGESTS = [
  `sha256:${'a'.repeat(63)}`,
  `sha256:${'A'.repeat(64)}`,
  `SHA256:${'a'.repeat(64)}`,
  `md5:${'a'.repeat(32)}`,
  `sha256:${'z'.repeat(64)}`,
  `sha512:${'a'.repeat(64)}`,
  `sha256:${'a'.repeat(64)}/../x`,
  `sha256:../../${'a'.repeat(58)}`,
  `sha256:${'a'.repeat(5000)}`,
  'sha256:',
  'sha256',
  '',
];

describe('repository names', () => {
  it.each(rows('repository', repositorySites, HOSTILE_NAMES))('$title', check);
});

describe('tags and references', () => {
  it.each(rows('tag', [...tagSites, ...referenceSites], HOSTILE_TAGS))('$title', check);
  const withDigest = site(
    'image(reference:) @digest',
    'query($v: String!) { image(reference: $v) { digest } }',
    { wrap: (v) => `${REPO}@${v}` },
  );
  const digests = HOSTILE_DIGESTS.filter((digest) => digest.includes(':'));
  it.each(rows('digest', [...referenceSites, withDigest], digests))('$title', check);
});

describe('digests', () => {
  it.each(rows('digest', digestSites, HOSTILE_DIGESTS))('$title', check);
});

describe('page sizes', () => {
  // `first` is an Int: the variable carries the number
  const sites = [
    site('repositories(first:)', 'query($v: Int) { repositories(first: $v) { nodes { name } } }', {
      wrap: Number,
    }),
    site(
      'Repository.tags(first:)',
      'query($r: String!, $v: Int) { repository(name: $r) { tags(first: $v) { totalCount } } }',
      { fixed: { r: REPO }, wrap: Number },
    ),
  ];
  const sizes = [5000, 1001, -1, 2 ** 31, -(2 ** 31) - 1];
  it.each(rows('first', sites, sizes.map(String)))('$title', check);
});

describe('cursors', () => {
  /** tags(after:) in an order: CREATED sorts by image dates, which takes upstream reads. */
  const tagsAfter = (order: string) =>
    site(
      `Repository.tags(after:, orderBy: ${order})`,
      `query($r: String!, $v: String) { repository(name: $r) { tags(after: $v, orderBy: ${order}) { totalCount } } }`,
      { fixed: { r: REPO } },
    );
  const sites = [
    site(
      'repositories(after:)',
      'query($v: String) { repositories(after: $v) { nodes { name } } }',
    ),
    tagsAfter('NAME_ASC'),
    tagsAfter('CREATED_DESC'),
  ];
  const cursors: Hostile[] = [
    ['not base64', '!!!'],
    ['empty', ''],
    ['random base64', 'q83vEjRWeJA'],
    ['a Repository global id', b64(`Repository:${REPO}`)],
    ['base64 of "c:" (no position)', b64('c:')],
    ['base64 of "c:../x" (a forged position)', b64('c:../x')],
    ['4000 characters of base64', 'QUFB'.repeat(1000)],
  ];
  it.each(rows('cursor', sites, cursors))('$title', check);
});

describe('global ids', () => {
  const node = site('node(id:)', 'query($v: ID!) { node(id: $v) { id } }', {
    // a decoded id with a bad repository or tag is refused naming that part
    labels: ['repository name', 'tag'],
  });
  const ids: Hostile[] = [
    ['not base64', '!!!'],
    ['empty', ''],
    ['random base64', 'q83vEjRWeJA'],
    ['base64 of another type, "Manifest:<repo>"', b64(`Manifest:${REPO}`)],
    ['a cursor', b64(`c:${REPO}`)],
    ['base64 of "Repository:"', b64('Repository:')],
    ['base64 of "Tag:"', b64('Tag:')],
    ['base64 of "Tag:<repo>" (no tag)', b64(`Tag:${REPO}`)],
    ['base64 of "Tag:latest" (no repository, no separator)', b64('Tag:latest')],
    ['base64 of "Tag::v1" (no repository)', b64('Tag::v1')],
    ['4000 characters of base64', 'QUFB'.repeat(1000)],
  ];
  it.each(rows('global id', [node], ids))('$title', check);
});

describe('upload ids', () => {
  const fixed = { r: REPO };
  const sites = [
    site(
      'upload(id:)',
      'query($r: String!, $v: String!) { upload(repository: $r, id: $v) { offset } }',
      { fixed },
    ),
    site(
      'Repository.upload(id:)',
      'query($r: String!, $v: String!) { repository(name: $r) { upload(id: $v) { offset } } }',
      { fixed },
    ),
    site(
      'uploadChunk(id:)',
      'mutation($r: String!, $v: String!, $chunk: File!) { uploadChunk(repository: $r, id: $v, chunk: $chunk) { id } }',
      { fixed, files: { chunk: smallFile() } },
    ),
    site(
      'completeUpload(id:)',
      `mutation($r: String!, $v: String!) { completeUpload(repository: $r, id: $v, digest: "${DIGEST}") { size } }`,
      { fixed },
    ),
    site(
      'cancelUpload(id:)',
      'mutation($r: String!, $v: String!) { cancelUpload(repository: $r, id: $v) }',
      { fixed },
    ),
  ];
  const other = fixtures.shared.repository;
  const uploads = `/v2/${REPO}/blobs/uploads`;
  const ids: Hostile[] = [
    ['not base64', '!!!'],
    ['empty', ''],
    ['base64, not JSON', b64('hello')],
    ['base64 JSON, not an object', b64('[1,2]')],
    ['an upload id of another repository', uploadId(other)],
    ['a location outside the uploads', uploadId(REPO, `/v2/${REPO}/manifests/latest`)],
    ['a location on another origin', uploadId(REPO, `http://evil.example${uploads}/x`)],
    ['a protocol-relative location', uploadId(REPO, `//evil.example${uploads}/x`)],
    [
      'a location climbing out with ../',
      uploadId(REPO, `${uploads}/../../../../${other}/blobs/uploads/x`),
    ],
    [
      'a location climbing out with %2e%2e/',
      uploadId(REPO, `${uploads}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/${other}/blobs/uploads/x`),
    ],
    ['a location with more path segments', uploadId(REPO, `${uploads}//evil.example/x`)],
    ['9000 characters', 'A'.repeat(9000)],
  ];
  it.each(rows('upload id', sites, ids))('$title', check);
});

describe('filters and prefixes', () => {
  const namePrefix = site(
    'repositories(namePrefix:)',
    'query($v: String) { repositories(namePrefix: $v) { nodes { name } } }',
  );
  /** A field of TagFilter. */
  const tagFilter = (field: string) =>
    site(
      `Repository.tags(filter: {${field}:})`,
      `query($r: String!, $v: String) { repository(name: $r) { tags(filter: { ${field}: $v }) { totalCount } } }`,
      { fixed: { r: REPO } },
    );
  it.each([
    ...rows('namePrefix', [namePrefix], ['Fixtures', '../x', '%2e%2e/', 'a b', 'a'.repeat(256)]),
    ...rows('namePrefix', [tagFilter('namePrefix')], ['../x', 'a/b']),
    ...rows('nameContains', [tagFilter('nameContains')], ['/', 'x'.repeat(129)]),
  ])('$title', check);
});

describe('image references naming another registry', () => {
  const image = site('image(reference:)', 'query($v: String!) { image(reference: $v) { digest } }');
  const references = [
    'evil.example/x:1',
    'EVIL.EXAMPLE/x',
    'localhost/x',
    'localhost:5000/x',
    '[::1]:5000/x',
    `127.0.0.1:1/${REPO}:latest`,
    `${registry.host}.evil.example/${REPO}`,
    `evil.example/${registry.host}/${REPO}`,
    'docker.io/library/alpine:latest',
  ];
  it.each(rows('another registry', [image], references))('$title', check);
});

describe('manifestNegotiation(accept:)', () => {
  const query =
    'query($r: String!, $v: [String!]) { manifestNegotiation(repository: $r, reference: "latest", accept: $v) { status } }';
  const accept = site('manifestNegotiation(accept:)', query, {
    fixed: { r: REPO },
    wrap: (v) => [v],
  });
  const entries = [
    'not a type',
    '',
    'text',
    'application/json, text/html',
    'application/json\r\n; x=y',
    'application/json\r\nX-Injected: 1',
    `application/${'a'.repeat(300)}`,
  ];
  it.each([
    ...rows('media type', [accept], entries),
    {
      ...op(query, { r: REPO, v: Array.from({ length: 33 }, () => OCI_MANIFEST) }),
      title: 'manifestNegotiation(accept:) ← 33 entries',
      names: ['Accept'],
      value: '',
    },
  ])('$title', check);
});

describe('putManifest(manifest:, mediaType:)', () => {
  const manifest = site(
    'putManifest(manifest:)',
    'mutation($r: String!, $v: String!) { putManifest(repository: $r, reference: "v1", manifest: $v) { digest } }',
    { fixed: { r: FRESH } },
  );
  const mediaType = site(
    'putManifest(mediaType:)',
    'mutation($r: String!, $m: String!, $v: String) { putManifest(repository: $r, reference: "v1", manifest: $m, mediaType: $v) { digest } }',
    { fixed: { r: FRESH, m: MANIFEST } },
  );
  const index = (extra: object) => JSON.stringify({ schemaVersion: 2, manifests: [], ...extra });
  const manifests = [
    '{"schemaVersion": 2,',
    '',
    '[]',
    'null',
    '"text"',
    '{}',
    index({ mediaType: 'text/html' }),
    index({ schemaVersion: 'two' }),
    index({ manifests: [{ mediaType: OCI_MANIFEST, digest: 'sha256:../../x', size: 1 }] }),
    index({ manifests: [{ mediaType: OCI_MANIFEST, digest: DIGEST, size: -1 }] }),
  ];
  it.each([
    ...rows('manifest', [manifest], manifests),
    ...rows(
      'media type',
      [mediaType],
      ['text/plain', 'application/json', '', `${OCI_MANIFEST}\r\nX-Injected: 1`],
    ),
  ])('$title', check);
});

describe('platforms and artifact types', () => {
  const forPlatform = (argument: string, args: string) =>
    site(
      `ImageIndex.forPlatform(${argument}:)`,
      `query($i: String!, $v: String!) { image(reference: $i) { ... on ImageIndex { forPlatform(${args}) { digest } } } }`,
      { fixed: IN_INDEX },
    );
  const referrers = site(
    'Manifest.referrers(artifactType:)',
    'query($i: String!, $v: String) { image(reference: $i) { referrers(artifactType: $v) { digest } } }',
    { fixed: IN_IMAGE },
  );
  it.each([
    ...rows(
      'os',
      [forPlatform('os', 'os: $v, architecture: "amd64"')],
      ['', '../x', 'Linux/amd64'],
    ),
    ...rows('architecture', [forPlatform('architecture', 'os: "linux", architecture: $v')], ['']),
    ...rows('artifact type', [referrers], ['not a media type', '../x']),
  ])('$title', check);
});

describe('files', () => {
  const uploadBlob =
    'mutation($r: String!, $v: File!) { uploadBlob(repository: $r, file: $v) { size } }';
  const uploadChunk = `mutation($r: String!, $v: File!) { uploadChunk(repository: $r, id: "${uploadId(FRESH)}", chunk: $v) { id } }`;
  const completeUpload = `mutation($r: String!, $v: File) { completeUpload(repository: $r, id: "${uploadId(FRESH)}", digest: "${DIGEST}", chunk: $v) { size } }`;
  /** A row sending `value` as the File variable (or `files` in its place) to an upload mutation. */
  const fileRow = (
    title: string,
    query: string,
    value: unknown,
    names: string[],
    files?: Record<string, Blob>,
  ): Row => ({ ...op(query, { r: FRESH, v: value }, files), title, names, value: '' });
  const oversized = { v: new Blob([new Uint8Array(MAX_CHUNK_BYTES + 1)]) };
  it.each([
    fileRow('uploadBlob(file:) ← a string', uploadBlob, 'hello', ['File']),
    fileRow('uploadBlob(file:) ← a number', uploadBlob, 42, ['File']),
    fileRow('uploadBlob(file:) ← an object', uploadBlob, { name: 'x', size: 1 }, ['File']),
    fileRow('uploadChunk(chunk:) ← a string', uploadChunk, 'hello', ['File']),
    fileRow('completeUpload(chunk:) ← a string', completeUpload, 'hello', ['File']),
    {
      ...op(`mutation { uploadBlob(repository: "${FRESH}", file: "hello") { size } }`),
      title: 'uploadBlob(file:) ← a string literal',
      names: ['File'],
      value: '',
    },
    fileRow('uploadBlob(file:) ← over MAX_CHUNK_BYTES', uploadBlob, null, ['limit'], oversized),
    fileRow('uploadChunk(chunk:) ← over MAX_CHUNK_BYTES', uploadChunk, null, ['limit'], oversized),
    fileRow(
      'completeUpload(chunk:) ← over MAX_CHUNK_BYTES',
      completeUpload,
      null,
      ['limit'],
      oversized,
    ),
    fileRow('uploadChunk(chunk:) ← an empty file', uploadChunk, null, ['empty'], {
      v: new Blob([]),
    }),
  ])('$title', check);
});

describe('literals (checked while the document is validated)', () => {
  it.each<Row>([
    {
      ...op(`{ blob(repository: "${REPO}", digest: "md5:${'a'.repeat(32)}") { size } }`),
      title: 'blob(digest:) ← an md5 literal',
      names: ['md5'],
      value: '',
    },
    {
      ...op(`{ repositories(first: ${2 ** 31}) { nodes { name } } }`),
      title: 'repositories(first:) ← a 2^31 literal',
      names: ['first', String(2 ** 31)],
      value: '',
    },
  ])('$title', check);
});

/** A raw HTTP request and the status Yoga must refuse it with. */
interface HttpRow {
  title: string;
  init: () => RequestInit;
  status: number;
  /** The URL's query string, for a GET. */
  search?: string;
}

// over a real socket: Yoga's in-process fetch is not how HTTP clients reach it (it answers some
// bodies, such as a Blob, with 500 where a socket's stream gets 400)
describe('requests refused at the HTTP level', () => {
  const server = createServer(gw.gateway.yoga);
  let url = '';
  beforeAll(async () => {
    url = `${await listen(server)}/graphql`;
  });
  afterAll(() => closeServer(server));
  const mutation = `mutation { startUpload(repository: "${FRESH}") { id } }`;
  const operations = JSON.stringify({
    query: `mutation($file: File!) { uploadBlob(repository: "${FRESH}", file: $file) { size } }`,
    variables: { file: null },
  });
  /** A multipart body from its fields (`operations`, `map`, file parts named by number). */
  const multipart = (fields: Record<string, string | Blob>) => () => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    return { method: 'POST', headers: { 'x-regql-csrf': '1' }, body: form };
  };
  /** A POST of `body` with a Content-Type (an untyped Blob: fetch adds none of its own). */
  const typed = (contentType: string | undefined, body: string) => (): RequestInit => ({
    method: 'POST',
    headers: contentType ? { 'content-type': contentType } : {},
    body: new Blob([body]),
  });
  const json = JSON.stringify({ query: mutation });
  const map = JSON.stringify({ 0: ['variables.file'] });
  it.each<HttpRow>([
    { title: 'Content-Type text/plain', init: typed('text/plain', json), status: 415 },
    { title: 'Content-Type application/xml', init: typed('application/xml', json), status: 415 },
    { title: 'no Content-Type', init: typed(undefined, json), status: 415 },
    {
      // a plain HTML form can send this cross-site, without a CORS preflight
      title: 'a mutation as application/x-www-form-urlencoded',
      init: typed('application/x-www-form-urlencoded', `query=${encodeURIComponent(mutation)}`),
      status: 415,
    },
    { title: 'invalid JSON', init: typed('application/json', '{"query":'), status: 400 },
    {
      title: 'a mutation over GET',
      init: () => ({ method: 'GET', headers: { 'x-regql-csrf': '1' } }),
      search: `?query=${encodeURIComponent(mutation)}`,
      status: 405,
    },
    {
      title: 'multipart without map',
      init: multipart({ operations, 0: smallFile() }),
      status: 400,
    },
    {
      title: 'multipart whose map names a missing part',
      init: multipart({
        operations,
        map: JSON.stringify({ 1: ['variables.file'] }),
        0: smallFile(),
      }),
      status: 400,
    },
    {
      title: 'multipart whose map names a missing variable',
      init: multipart({
        operations,
        map: JSON.stringify({ 0: ['variables.nope'] }),
        0: smallFile(),
      }),
      status: 400,
    },
    {
      title: 'multipart with invalid JSON in operations',
      init: multipart({ operations: '{"query":', map, 0: smallFile() }),
      status: 400,
    },
    {
      title: 'multipart whose operations is JSON but not an object',
      init: multipart({ operations: 'null', map, 0: smallFile() }),
      status: 400,
    },
    {
      title: 'multipart with invalid JSON in map',
      init: multipart({ operations, map: '{', 0: smallFile() }),
      status: 400,
    },
    {
      title: 'multipart without operations',
      init: multipart({ map, 0: smallFile() }),
      status: 400,
    },
    {
      title: 'multipart whose map sends one file to two variables',
      init: multipart({
        operations,
        map: JSON.stringify({ 0: ['variables.file', 'variables.other'] }),
        0: smallFile(),
      }),
      status: 400,
    },
    {
      title: 'multipart with the file before operations and map',
      init: multipart({ 0: smallFile(), operations, map }),
      status: 400,
    },
    {
      title: 'multipart with two files (one per request)',
      init: multipart({
        operations,
        map: JSON.stringify({ 0: ['variables.file'], 1: ['variables.other'] }),
        0: smallFile(),
        1: smallFile(),
      }),
      status: 400,
    },
  ])('$title: $status', async ({ init, status, search = '' }) => {
    let response: Response | undefined;
    let text = '';
    const calls = await upstreamOf(async () => {
      response = await fetch(url + search, init());
      text = await response.text();
    });
    expect(response?.status, text).toBe(status);
    if (text !== '') {
      const body = JSON.parse(text) as ExecutionResult;
      expect(body.errors?.length).toBeGreaterThan(0);
      expect(body.data ?? null).toBeNull();
    }
    expectNoStack(text);
    expect(calls, `upstream: ${calls.join(', ')}`).toEqual([]);
  });
});

/** The OCI distribution grammar of repository names, for checking what went upstream. */
const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

describe('the reference grammar, property-based', () => {
  const component = fc.stringMatching(/^[a-z0-9]{1,8}(?:(?:[._]|__|-{1,2})[a-z0-9]{1,8}){0,2}$/);
  const hostile = fc.constantFrom(
    ...['..', '.', '%2e%2e', '%2f', '', 'A', ' ', '\\', '?', '#', ':', '@', '\n', '\u0000', 'é'],
  );
  const piece = fc.oneof({ arbitrary: component, weight: 4 }, { arbitrary: hostile, weight: 1 });
  /** Strings near the name grammar (components, some hostile, joined by '/'), and any strings. */
  const nameLike = fc.oneof(
    fc.array(piece, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/')),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
  const tagLike = fc.oneof(
    fc.stringMatching(/^\w[\w.-]{0,20}$/),
    fc.string({ unit: 'binary-ascii', maxLength: 20 }),
  );
  const digestLike = fc.oneof(
    fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`),
    fc.string({ unit: 'binary-ascii', maxLength: 70 }).map((text) => `sha256:${text}`),
  );
  const host = fc.constantFrom(registry.host, 'evil.example', 'localhost:5000', 'LOCALHOST');
  const referenceLike = fc.oneof(
    fc
      .record({
        host: fc.option(host),
        name: nameLike,
        tag: fc.option(tagLike),
        digest: fc.option(digestLike),
      })
      .map(
        ({ host, name, tag, digest }) =>
          `${host === null ? '' : `${host}/`}${name}${tag === null ? '' : `:${tag}`}${digest === null ? '' : `@${digest}`}`,
      ),
    fc.string({ unit: 'binary', maxLength: 60 }),
  );

  /** Asserts an answer: BAD_USER_INPUT with no upstream call, else no error at all. */
  function expectRefusedOrAnswered(answer: ExecutionResult, calls: string[]): void {
    const error = answer.errors?.[0];
    if (error) {
      expect(error.extensions?.code, JSON.stringify(answer)).toBe('BAD_USER_INPUT');
      expect(calls).toEqual([]);
    }
  }

  it('repository(name:) with any string is refused before any call, or looks up exactly that name', async () => {
    await fc.assert(
      fc.asyncProperty(nameLike, async (name) => {
        let answer: ExecutionResult = {};
        const calls = await upstreamOf(async () => {
          answer = await send(
            op('query($v: String!) { repository(name: $v) { name } }', { v: name }),
          );
        });
        expectRefusedOrAnswered(answer, calls);
        if (!answer.errors) {
          expect(NAME.test(name), name).toBe(true);
          // Existence: one tag-list call for exactly that name; a repository
          // with no tag list yet (blobs only) is then looked up in the catalog.
          const [first, ...rest] = calls;
          expect(first).toBe(`GET /v2/${name}/tags/list`);
          expect(
            rest.every((call) => call === 'GET /v2/_catalog'),
            rest.join(),
          ).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('image(reference:) with any string is refused before any call, or reads manifests of a valid name only', async () => {
    await fc.assert(
      fc.asyncProperty(referenceLike, async (reference) => {
        let answer: ExecutionResult = {};
        const calls = await upstreamOf(async () => {
          const query = 'query($v: String!) { image(reference: $v) { digest } }';
          answer = await send(op(query, { v: reference }));
        });
        expectRefusedOrAnswered(answer, calls);
        for (const call of calls) {
          const [, name = '', ref = ''] =
            /^(?:GET|HEAD) \/v2\/(.+)\/manifests\/([^/]+)$/.exec(call) ?? [];
          expect(NAME.test(name), call).toBe(true);
          expect(/^\w[\w.-]{0,127}$|^sha256:[0-9a-f]{64}$/.test(ref), call).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
