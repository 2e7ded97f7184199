import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig({ REGISTRY_URL: 'http://127.0.0.1:5000/' });
    expect(config).toMatchObject({
      registryUrl: 'http://127.0.0.1:5000',
      publicRegistryHost: '127.0.0.1:5000',
      port: 4000,
      host: '127.0.0.1',
      readOnly: true,
      credentials: undefined,
      upstream: { connections: 64, retries: 2 },
      maxChunkBytes: 16 * 1024 * 1024,
      maxPageSize: 1000,
      tagTtlMs: 0,
      registryEvents: undefined,
    });
  });

  it('reads every setting', () => {
    const config = loadConfig({
      REGISTRY_URL: 'https://registry.example.com',
      REGISTRY_USERNAME: 'svc',
      REGISTRY_PASSWORD: 's3cret',
      PUBLIC_REGISTRY_HOST: 'docker.example.com',
      READ_ONLY: 'false',
      UPSTREAM_CONCURRENCY: '128',
      PORT: '0',
      TAG_TTL_MS: '5000',
      REGISTRY_EVENTS_TOKEN: 'abcdefghijklmnop-0123456789',
      REGISTRY_EVENTS_MAX_AGE_MS: '60000',
    });
    expect(config).toMatchObject({
      credentials: { username: 'svc', password: 's3cret' },
      publicRegistryHost: 'docker.example.com',
      readOnly: false,
      upstream: { connections: 128 },
      port: 0,
      tagTtlMs: 5000,
      registryEvents: { token: 'abcdefghijklmnop-0123456789', maxAgeMs: 60_000 },
    });
  });

  it('lists every problem at once, one per line, without echoing secrets', () => {
    const attempt = () =>
      loadConfig({
        REGISTRY_URL: 'ftp://user:hunter2@example.com/x',
        PORT: 'eighty',
        READ_ONLY: 'maybe',
        UPSTREAM_CONCURRENCY: '0',
      });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const key of ['REGISTRY_URL', 'PORT', 'READ_ONLY', 'UPSTREAM_CONCURRENCY']) {
      expect(message).toMatch(new RegExp(`^  ${key} `, 'm'));
    }
    expect(message).not.toContain('hunter2');
  });

  it.each([
    ['too short', 'hunter2-secret'],
    ['with a space', 'hunter2 secret that is long'],
  ])('refuses a REGISTRY_EVENTS_TOKEN %s without echoing it', (_what, token) => {
    const attempt = () =>
      loadConfig({ REGISTRY_URL: 'http://r.example', REGISTRY_EVENTS_TOKEN: token });
    expect(attempt).toThrow('REGISTRY_EVENTS_TOKEN must be 16 to 512 letters');
    expect(attempt).not.toThrow(/hunter2/);
  });

  it.each([
    [{}, 'REGISTRY_URL is required'],
    [{ REGISTRY_URL: 'http://u:p@r.example' }, 'REGISTRY_URL must not contain credentials'],
    [{ REGISTRY_URL: 'http://r.example/v2/' }, 'REGISTRY_URL must have no path'],
    [{ REGISTRY_URL: 'http://r.example', REGISTRY_USERNAME: 'a' }, 'go together'],
    [{ REGISTRY_URL: 'http://r.example', TAG_TTL_MS: '-1' }, 'TAG_TTL_MS must be at least 0'],
    [
      { REGISTRY_URL: 'http://r.example', REGISTRY_EVENTS_MAX_AGE_MS: '0' },
      'REGISTRY_EVENTS_MAX_AGE_MS must be at least 1',
    ],
  ])('refuses %j', (env, expected) => {
    expect(() => loadConfig(env)).toThrow(expected);
  });
});
