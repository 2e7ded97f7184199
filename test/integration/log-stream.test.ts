import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteTagDocument, ImageDocument } from '../generated/graphql.js';
import { seeded } from '../support/clients.js';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { until } from '../support/wait.js';

const { registry, fixtures } = seeded('open');

/** pino's `warn` level: nothing the gateway is expected to do may log at it or above. */
const WARN = 40;

/** A gateway process's output split into its JSON log lines and whatever else it printed. */
function splitOutput(output: string): { lines: Record<string, unknown>[]; other: string[] } {
  const lines: Record<string, unknown>[] = [];
  const other: string[] = [];
  for (const text of output.split('\n').filter(Boolean)) {
    try {
      lines.push(JSON.parse(text) as Record<string, unknown>);
    } catch {
      other.push(text);
    }
  }
  return { lines, other };
}

describe('the log stream of a gateway process (response cache and compiled execution on)', () => {
  let gw: GatewayProcess;
  const image = { reference: `${fixtures.dockerImage.repository}@${fixtures.dockerImage.digest}` };
  /** A POST of `body` to the GraphQL endpoint, answered with its status and text. */
  const post = async (body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body,
    });
    return [response.status, await response.text()] as const;
  };

  beforeAll(async () => {
    gw = await startGatewayProcess(registry.url, {
      LOG_LEVEL: 'info',
      RESPONSE_CACHE_TTL_MS: '600000',
      COMPILED_EXECUTION: 'true',
    });
  });
  afterAll(() => gw.stop());

  it('holds JSON lines only, none at warn or above, through a representative set of requests', async () => {
    const first = await gw.execute(ImageDocument, image, { 'x-request-id': 'image-1' });
    expect(first.errors).toBeUndefined();
    const asked = gw.upstream.length;
    expect(await gw.execute(ImageDocument, image, { 'x-request-id': 'image-2' })).toEqual(first);
    // the repeat came from the response cache
    expect(gw.upstream.length).toBe(asked);

    const csrf = await fetch(`${gw.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(csrf.status).toBe(403);
    expect((await post('{"query":'))[0]).toBe(400);
    expect((await post('{}', { 'content-type': 'text/plain' }))[0]).toBe(415);
    const badVariable = JSON.stringify({
      query: 'query ($r: String!) { image(reference: $r) { digest } }',
      variables: { r: 1 },
    });
    expect((await post(badVariable))[0]).toBe(400);
    expect((await post('{"query":"subscription { __typename }"}'))[0]).toBe(400);
    expect((await fetch(gw.url.replace(/\/graphql$/, '/'))).status).toBe(200);

    const { repository } = fixtures.paged;
    const [status, deferred] = await post(
      JSON.stringify({
        query: `{ repository(name: "${repository}") { tags(first: 2) { nodes { name ... @defer { digest } } } } }`,
      }),
      { accept: 'multipart/mixed' },
    );
    expect(status).toBe(200);
    expect(deferred).toContain(fixtures.paged.digest);

    const refused = await gw.execute(DeleteTagDocument, { repository, tag: 'nope' });
    expect(refused.errors?.[0]?.extensions?.code).toBe('READ_ONLY');

    await gw.stop();
    await until(() => gw.output().includes('"msg":"stopped"'));
    const { lines, other } = splitOutput(gw.output());
    expect(other).toEqual([]);
    expect(lines.filter((line) => Number(line.level) >= WARN)).toEqual([]);
    // what was asked for ran: compiled, and then from the response cache (no executor named)
    const imageLines = ['image-1', 'image-2'].map((id) =>
      lines.find((line) => line.msg === 'graphql' && line.requestId === id),
    );
    expect(imageLines.map((line) => line && 'execution' in line)).toEqual([true, false]);
    expect(imageLines[0]?.execution).toBe('compiled');
  });
});
