import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** The problems loadConfig lists for these settings (none: it did not throw). */
function problems(env: Record<string, string>, file?: string): string[] {
  try {
    loadConfig(env, file);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

const NOT_A_URL = 'REGISTRY_URL must be an absolute http(s) URL, e.g. https://registry.example.com';

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

  it.each(['not-a-url', '127.0.0.1:5000', 'localhost:5000', 'ftp://r.example', 'http://', ' '])(
    'refuses REGISTRY_URL=%j with one problem',
    (url) => {
      expect(problems({ REGISTRY_URL: url })).toEqual([NOT_A_URL]);
    },
  );

  it('lists the problems of settings that need each other with the rest', () => {
    expect(
      problems({
        REGISTRY_URL: 'not-a-url',
        REDIS_URL: 'localhost:6379',
        PERSISTED_OPERATIONS_ONLY: 'yes',
        REGISTRY_PASSWORD: 'hunter2',
      }),
    ).toEqual([
      NOT_A_URL,
      'REDIS_URL must be a redis:// or rediss:// URL',
      'PERSISTED_OPERATIONS_ONLY needs PERSISTED_OPERATIONS_FILE',
      'REGISTRY_USERNAME and REGISTRY_PASSWORD go together',
    ]);
  });
});

describe('loadConfig with a --config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'regql-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes a JSON file of this text; returns its path. */
  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  it('reads its settings under the environment', () => {
    const path = file('ok.json', JSON.stringify({ REGISTRY_URL: 'http://r.example', PORT: 81 }));
    expect(loadConfig({ PORT: '82' }, path)).toMatchObject({
      registryUrl: 'http://r.example',
      port: 82,
    });
  });

  it('names the closest setting to each unknown one, when one is close', () => {
    const path = file(
      'unknown.json',
      JSON.stringify({ UPSTREAM_CONCURENCY: 8, registry_url: 'http://r.example', name: 'x' }),
    );
    expect(problems({ PORT: 'eighty' }, path)).toEqual([
      `unknown setting UPSTREAM_CONCURENCY in ${path}; did you mean UPSTREAM_CONCURRENCY?`,
      `unknown setting registry_url in ${path}; did you mean REGISTRY_URL?`,
      `unknown setting name in ${path}; regql --help lists the settings`,
      'REGISTRY_URL is required',
      'PORT must be a number',
    ]);
  });

  it.each([
    ['a missing file', join(tmpdir(), 'regql-no-such-file.json'), /: ENOENT: no such file/],
    ['text that is not JSON', 'README.md', /: Unexpected token .* is not valid JSON$/],
  ])('refuses %s in one line', (_what, path, reason) => {
    const [problem, ...rest] = problems({ REGISTRY_URL: 'http://r.example' }, path);
    expect(rest).toEqual([]);
    expect(problem).toMatch(new RegExp(`^--config ${path.replace(/\./g, '\\.')}${reason.source}`));
    expect(problem).not.toContain('\n');
  });

  it('refuses JSON that is not an object', () => {
    const path = file('list.json', '["REGISTRY_URL"]');
    expect(problems({ REGISTRY_URL: 'http://r.example' }, path)).toEqual([
      `--config ${path}: must be a JSON object`,
    ]);
  });
});
