import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
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

describe('regql command', { timeout: 30_000 }, () => {
  it('--help documents every setting', async () => {
    const { code, stdout } = await regql(['--help']);
    expect(code).toBe(0);
    for (const name of SETTINGS) expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  it('the README documents every setting', async () => {
    const readme = await readFile('README.md', 'utf8');
    for (const name of SETTINGS) expect(readme).toContain(`\`${name}\``);
  });

  it('fails at start with one line per invalid setting, from the environment and --config', async () => {
    const { code, stderr } = await regql(['--config', 'package.json'], {
      REGISTRY_URL: 'ftp://registry.example.com',
      PORT: 'eighty',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('invalid configuration:');
    expect(stderr).toMatch(
      /^ {2}REGISTRY_URL must be an absolute http\(s\) URL, e\.g\. https:\/\/registry\.example\.com$/m,
    );
    expect(stderr).toMatch(/^ {2}PORT must be a number$/m);
  });

  it('refuses a config file that is not JSON', async () => {
    const { code, stderr } = await regql(['--config', 'README.md']);
    expect(code).toBe(1);
    expect(stderr).toContain('--config README.md');
  });
});
