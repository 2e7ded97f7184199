import { type ExecutionResult, print } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import {
  BlobDocument,
  ImageDocument,
  NegotiateDocument,
  NodeDocument,
  ReferrersDocument,
  RegistryStatusDocument,
  RepositoriesDocument,
  RepositoryFanOutDocument,
  RepositoryTagsDocument,
  TagDetailsDocument,
} from '../generated/graphql.js';
import { seeded } from '../support/clients.js';
import { loggedGateway } from '../support/logs.js';

const { registry, fixtures } = seeded('open');
const docker = fixtures.dockerImage;
const oci = fixtures.ociImage;

const compiled = loggedGateway(registry.url);
const general = loggedGateway(registry.url, { COMPILED_EXECUTION: 'false' });
afterAll(() => Promise.all([compiled.gateway.close(), general.gateway.close()]));

/** Runs one operation; answers its JSON answer and the `execution` its log line reports. */
async function run(
  on: { gateway: Gateway; lines: Record<string, unknown>[] },
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ answer: ExecutionResult; execution: unknown }> {
  const requestId = `compiled-${Math.random().toString(36).slice(2)}`;
  const response = await on.gateway.yoga.fetch('http://regql.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as ExecutionResult;
  const line = on.lines.find((l) => l.msg === 'graphql' && l.requestId === requestId);
  return { answer, execution: line?.execution };
}

/** Operations of every shape the schema has: abstract types, fragments, errors, lists, scalars. */
const OPERATIONS: [
  name: string,
  query: string,
  variables?: Record<string, unknown>,
  codes?: string[],
][] = [
  [
    'Image (every manifest field)',
    print(ImageDocument),
    { reference: `${docker.repository}:${docker.tag}` },
  ],
  [
    'Image of an OCI index',
    print(ImageDocument),
    { reference: `${fixtures.multiArch.repository}:${fixtures.multiArch.tag}` },
  ],
  [
    'Image that is missing',
    print(ImageDocument),
    { reference: `${docker.repository}:no-such-tag` },
  ],
  ['TagDetails', print(TagDetailsDocument), { repository: oci.repository, tag: oci.tag }],
  [
    'RepositoryTags, paged',
    print(RepositoryTagsDocument),
    { name: fixtures.paged.repository, first: 2 },
  ],
  [
    'RepositoryTags, newest first',
    print(RepositoryTagsDocument),
    { name: fixtures.paged.repository, orderBy: 'CREATED_DESC' },
  ],
  ['RepositoryFanOut', print(RepositoryFanOutDocument), { name: fixtures.multiArch.repository }],
  ['Repositories', print(RepositoriesDocument), { first: 3, namePrefix: 'fixtures/' }],
  ['Referrers', print(ReferrersDocument), { repository: oci.repository, reference: oci.digest }],
  ['Blob', print(BlobDocument), { repository: docker.repository, digest: docker.configDigest }],
  [
    'Negotiate',
    print(NegotiateDocument),
    {
      repository: docker.repository,
      reference: docker.tag,
      accept: ['application/vnd.docker.distribution.manifest.v2+json'],
    },
  ],
  ['RegistryStatus', print(RegistryStatusDocument)],
  [
    '@skip and @include by variables',
    `query ($no: Boolean!) { repository(name: "${docker.repository}") { name @include(if: $no) tags(first: 1) @skip(if: $no) { totalCount } } }`,
    { no: false },
  ],
  [
    'introspection',
    '{ __schema { queryType { name } types { name kind } } __type(name: "Manifest") { possibleTypes { name } } }',
  ],
];

/** Operations the argument checks refuse before either executor runs. */
const REFUSED: [name: string, query: string, code: string][] = [
  [
    'a bad name in a field, on the third line (BAD_USER_INPUT)',
    `{\n  ok: repository(name: "${docker.repository}") { name }\r\n  bad: repository(name: "Bad/Name") { name }\n}`,
    'BAD_USER_INPUT',
  ],
  [
    'a mutation (READ_ONLY)',
    `mutation { deleteTag(repository: "${docker.repository}", tag: "${docker.tag}") { digest } }`,
    'READ_ONLY',
  ],
];

describe('compiled execution (COMPILED_EXECUTION)', () => {
  it.each(REFUSED)(
    'answers %s as the general executor does, and names no executor',
    async (_, query, code) => {
      const [fast, slow] = await Promise.all([run(compiled, query), run(general, query)]);
      expect(fast.answer).toEqual(slow.answer);
      expect(fast.answer).toMatchObject({ errors: [{ extensions: { code } }] });
      expect(fast.answer.data).toBeUndefined();
      for (const error of fast.answer.errors ?? []) expect(error.locations).toBeDefined();
      expect([fast.execution, slow.execution]).toEqual([undefined, undefined]);
    },
  );

  it.each(OPERATIONS)(
    'answers %s as the general executor does',
    async (_, query, variables, codes = []) => {
      const [fast, slow] = await Promise.all([
        run(compiled, query, variables),
        run(general, query, variables),
      ]);
      expect(fast.answer).toEqual(slow.answer);
      expect(fast.answer.errors?.map((e) => e.extensions?.code) ?? []).toEqual(codes);
      for (const error of fast.answer.errors ?? []) expect(error.locations).toBeDefined();
      expect([fast.execution, slow.execution]).toEqual(['compiled', 'general']);
    },
  );

  it("answers the registry's failure (its field null beside data) as the general executor does", async () => {
    const down = 'http://127.0.0.1:1';
    const pair = [
      loggedGateway(down, { UPSTREAM_RETRIES: '0' }),
      loggedGateway(down, { UPSTREAM_RETRIES: '0', COMPILED_EXECUTION: 'false' }),
    ] as const;
    const query = '{\n  registry { url }\n  repositories(first: 1) { nodes { name } }\n}';
    const [fast, slow] = await Promise.all(pair.map((on) => run(on, query)));
    await Promise.all(pair.map((on) => on.gateway.close()));
    expect(fast?.answer).toEqual(slow?.answer);
    expect(fast?.answer).toMatchObject({
      data: { registry: { url: down }, repositories: null },
      errors: [{ extensions: { code: 'UPSTREAM_ERROR' }, locations: [{ line: 3, column: 3 }] }],
    });
    expect([fast?.execution, slow?.execution]).toEqual(['compiled', 'general']);
  });

  it('answers Node by an id from the answers, as the general executor does', async () => {
    const tags = await run(general, print(RepositoryTagsDocument), { name: oci.repository });
    const id = (tags.answer.data as { repository: { id: string } }).repository.id;
    const [fast, slow] = await Promise.all([
      run(compiled, print(NodeDocument), { id }),
      run(general, print(NodeDocument), { id }),
    ]);
    expect(fast.answer).toEqual(slow.answer);
    expect(fast.answer.data).toMatchObject({ node: { __typename: 'Repository', id } });
    expect(fast.execution).toBe('compiled');
  });

  it('names no executor for an answer the response cache gave', async () => {
    const cached = loggedGateway(registry.url, { RESPONSE_CACHE_TTL_MS: '60000' });
    const query = `{ repository(name: "${docker.repository}") { name } }`;
    const first = await run(cached, query);
    const second = await run(cached, query);
    await cached.gateway.close();
    expect(second.answer).toEqual(first.answer);
    expect([first.execution, second.execution]).toEqual(['compiled', undefined]);
  });

  it('leaves @defer and @stream to the general executor', async () => {
    const query = `{ repository(name: "${docker.repository}") { name ... @defer { tags(first: 1) { totalCount } } } }`;
    const response = await compiled.gateway.yoga.fetch('http://regql.test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'multipart/mixed',
        'x-request-id': 'deferred-1',
      },
      body: JSON.stringify({ query }),
    });
    expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
    expect(await response.text()).toContain('"totalCount":1');
    const line = compiled.lines.find((l) => l.requestId === 'deferred-1');
    expect(line?.execution).toBe('general');
  });

  it.each([
    ['an empty digest', { repository: docker.repository, digest: '' }],
    ['a digest that is no digest', { repository: docker.repository, digest: 'sha256:abc' }],
  ])(
    'leaves variables that do not coerce (%s) to the general executor, with its error',
    async (_, variables) => {
      const [fast, slow] = await Promise.all([
        run(compiled, print(BlobDocument), variables),
        run(general, print(BlobDocument), variables),
      ]);
      expect(fast.answer).toEqual(slow.answer);
      expect(fast.answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(fast.execution).toBe('general');
    },
  );

  it('answers an unknown operation name as without compiled execution', async () => {
    const body = { query: 'query A { registry { url } }', operationName: 'B' };
    const answers = await Promise.all(
      [compiled, general].map(async ({ gateway }) => {
        const response = await gateway.yoga.fetch('http://regql.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return [response.status, await response.json()];
      }),
    );
    expect(answers[0]).toEqual(answers[1]);
    expect(JSON.stringify(answers[0])).toContain('Could not determine what operation to execute');
  });

  it.each([
    ['application/json', 'application/json'],
    ['application/graphql-response+json', 'application/graphql-response+json'],
    ['text/event-stream', 'text/event-stream'],
  ])('refuses a subscription with a clear 400 on both executors (Accept %s)', async (accept) => {
    const answers = await Promise.all(
      [compiled, general].map(async ({ gateway }) => {
        const response = await gateway.yoga.fetch('http://regql.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept },
          body: JSON.stringify({ query: 'subscription Watch { __typename }' }),
        });
        return [response.status, await response.text()] as const;
      }),
    );
    expect(answers[0]).toEqual(answers[1]);
    const [status, text] = answers[0] ?? [0, ''];
    expect(status).toBe(400);
    expect(text).toContain('subscriptions are not supported');
    expect(text).toContain('BAD_USER_INPUT');
  });
});
