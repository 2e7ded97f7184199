import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config.js';

const run = promisify(execFile);

/** Runs `regql` with arguments and environment; resolves with its output and exit code. */
async function regql(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run('node', ['bin/regql.mjs', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

type Outcome = Awaited<ReturnType<typeof regql>>;

/** Asserts that regql stopped with exit code 2 and exactly these lines on stderr, no stack. */
function expectMistake({ code, stdout, stderr }: Outcome, lines: string[]) {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).toBe(`${lines.join('\n')}\n`);
  expect(stdout).toBe('');
  expect(code).toBe(2);
}

/** A registry URL nothing listens on: regql only asks it once a query comes. */
const REGISTRY_URL = 'http://127.0.0.1:1';

describe('regql command', { timeout: 30_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regql-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Writes a --config file of these settings; resolves with its path. */
  async function configFile(settings: Record<string, unknown>): Promise<string> {
    const file = join(dir, `${Object.keys(settings).join('-')}.json`);
    await writeFile(file, JSON.stringify(settings));
    return file;
  }

  it('--help documents every setting and option', async () => {
    const { code, stdout } = await regql(['--help']);
    expect(code).toBe(0);
    for (const name of SETTINGS) expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    for (const option of ['--config FILE', '-h, --help', '--version']) {
      expect(stdout).toMatch(new RegExp(`^  ${option} `, 'm'));
    }
  });

  it("--version prints package.json's version", async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(await regql(['--version'])).toEqual({
      code: 0,
      stdout: `regql ${version}\n`,
      stderr: '',
    });
  });

  it('docs/configuration.md documents every setting', async () => {
    const page = await readFile('docs/configuration.md', 'utf8');
    // in the first column of the settings table
    const rows = page.split('\n').map((line) => /^\| ([^|]+) \|/.exec(line)?.[1] ?? '');
    for (const name of SETTINGS) {
      expect(
        rows.some((cell) => cell.includes(`\`${name}\``)),
        name,
      ).toBe(true);
    }
  });

  it('lists every problem at once, one line each, from the environment and --config', async () => {
    const file = await configFile({ PORT: 'eighty', UPSTREAM_CONCURENCY: 8 });
    const outcome = await regql(['--config', file], {
      REGISTRY_URL: 'not-a-url',
      REGISTRY_USERNAME: 'svc',
    });
    expectMistake(outcome, [
      `unknown setting UPSTREAM_CONCURENCY in ${file}; did you mean UPSTREAM_CONCURRENCY?`,
      'REGISTRY_URL must be an absolute http(s) URL, e.g. https://registry.example.com',
      'PORT must be a number',
      'REGISTRY_USERNAME and REGISTRY_PASSWORD go together',
    ]);
  });

  it.each(['not-a-url', '127.0.0.1:5000', 'ftp://registry.example.com'])(
    'refuses REGISTRY_URL=%s in one line',
    async (url) => {
      expectMistake(await regql([], { REGISTRY_URL: url }), [
        'REGISTRY_URL must be an absolute http(s) URL, e.g. https://registry.example.com',
      ]);
    },
  );

  it('names the closest setting to an unknown one in --config', async () => {
    const file = await configFile({ REGISTRY_URL, UPSTREAM_CONCURENCY: 8 });
    expectMistake(await regql(['--config', file]), [
      `unknown setting UPSTREAM_CONCURENCY in ${file}; did you mean UPSTREAM_CONCURRENCY?`,
    ]);
  });

  it('refuses an unknown option in one line', async () => {
    expectMistake(await regql(['--verbose'], { REGISTRY_URL }), [
      "Unknown option '--verbose'; regql --help lists the options",
    ]);
  });

  it('refuses a port already in use in one line', async () => {
    const occupant = createServer();
    await new Promise<void>((resolve) => occupant.listen(0, '127.0.0.1', resolve));
    const { port } = occupant.address() as AddressInfo;
    try {
      expectMistake(await regql([], { REGISTRY_URL, HOST: '127.0.0.1', PORT: String(port) }), [
        `cannot listen on 127.0.0.1:${port}: the port is already in use (set PORT to a free one, or 0 for any)`,
      ]);
    } finally {
      await new Promise((resolve) => occupant.close(resolve));
    }
  });

  it('refuses a config file that is not JSON in one line', async () => {
    const outcome = await regql(['--config', 'README.md'], { REGISTRY_URL });
    expectMistake(outcome, [outcome.stderr.trimEnd()]);
    expect(outcome.stderr).toMatch(
      /^--config README\.md: Unexpected token .* is not valid JSON\n$/,
    );
  });
});
