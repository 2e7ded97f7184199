import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import * as support from '../support/events.js';

const REPO = 'team/app';
const OTHER = 'team/other';
const DIGEST = `sha256:${'a'.repeat(64)}`;

let gateway: Gateway | undefined;
afterEach(() => gateway?.close());

/** A gateway (it never reaches its registry here) with `env`; its tags of REPO and OTHER fresh. */
function start(env: Record<string, string>): Gateway {
  const config = loadConfig({ REGISTRY_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'silent', ...env });
  gateway = createGateway(config);
  for (const repository of [REPO, OTHER]) {
    gateway.cache.setTagHint(repository, 'v1', DIGEST, gateway.cache.tagMark());
  }
  return gateway;
}

const withEvents = () =>
  start({ REGISTRY_EVENTS_TOKEN: support.EVENTS_TOKEN, MAX_BODY_BYTES: '4096' });

describe('POST /registry-events', () => {
  it('does not exist without REGISTRY_EVENTS_TOKEN', async () => {
    const gw = start({ TAG_TTL_MS: '600000' });
    const response = await support.postEvents(gw, support.envelope('push', REPO));
    expect(response.status).toBe(404);
    expect(gw.cache.freshTag(REPO, 'v1')).toBe(DIGEST);
  });

  it('takes a push: tags of its repository are no longer fresh, others stay fresh', async () => {
    const gw = withEvents();
    const response = await support.postEvents(gw, support.envelope('push', REPO));
    expect(response.status).toBe(204);
    expect(gw.cache.freshTag(REPO, 'v1')).toBeUndefined();
    expect(gw.cache.freshTag(OTHER, 'v1')).toBe(DIGEST);
    expect(await support.eventsAccepted(gw, 'push')).toBe(1);
  });

  it('counts a pull and changes nothing', async () => {
    const gw = withEvents();
    expect((await support.postEvents(gw, support.envelope('pull', REPO))).status).toBe(204);
    expect(gw.cache.freshTag(REPO, 'v1')).toBe(DIGEST);
    expect(await support.eventsAccepted(gw, 'pull')).toBe(1);
  });

  it('takes an action it does not know as a change', async () => {
    const gw = withEvents();
    expect((await support.postEvents(gw, support.envelope('rename', REPO))).status).toBe(204);
    expect(gw.cache.freshTag(REPO, 'v1')).toBeUndefined();
    expect(await support.eventsAccepted(gw, 'other')).toBe(1);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: `Bearer ${support.EVENTS_TOKEN}x` }],
    ['the token as Basic', { authorization: `Basic ${support.EVENTS_TOKEN}` }],
  ])('refuses %s with 401 and changes nothing', async (_what, headers) => {
    const gw = withEvents();
    const { authorization, ...rest } = headers as Record<string, string>;
    const response = await gw.yoga.fetch('http://regql.test/registry-events', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
        ...rest,
      },
      body: support.envelope('push', REPO),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(gw.cache.freshTag(REPO, 'v1')).toBe(DIGEST);
    expect(await support.eventsRefused(gw, 'unauthorized')).toBe(1);
    expect(await support.eventsAccepted(gw, 'push')).toBe(0);
  });

  it.each([
    ['not JSON', '{"events": [', 400, 'malformed'],
    ['JSON of another shape', '{"events": [{"action": "push"}]}', 400, 'malformed'],
    ['no events list', '[]', 400, 'malformed'],
    ['over MAX_BODY_BYTES', support.envelope('push', 'x'.repeat(5000)), 413, 'too_large'],
  ] as const)('refuses a body %s (%i) and changes nothing', async (_what, body, status, reason) => {
    const gw = withEvents();
    const response = await support.postEvents(gw, body);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toMatch(/events envelope|bytes/);
    expect(gw.cache.freshTag(REPO, 'v1')).toBe(DIGEST);
    expect(await support.eventsRefused(gw, reason)).toBe(1);
  });

  it('applies nothing of an envelope with one bad event', async () => {
    const gw = withEvents();
    const events = [
      JSON.parse(support.envelope('push', REPO)).events[0],
      { action: 'push', target: {} },
    ];
    const response = await support.postEvents(gw, JSON.stringify({ events }));
    expect(response.status).toBe(400);
    expect(gw.cache.freshTag(REPO, 'v1')).toBe(DIGEST);
  });

  it('refuses another method (405) and another media type (415)', async () => {
    const gw = withEvents();
    const get = await gw.yoga.fetch('http://regql.test/registry-events', {
      headers: { authorization: `Bearer ${support.EVENTS_TOKEN}` },
    });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const form = await support.postEvents(gw, 'events=1', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect(gw.cache.freshTag(REPO, 'v1')).toBe(DIGEST);
  });
});
