import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Programs something needs, each with the Debian package that provides it. */
export type ToolPackages = Readonly<Record<string, string>>;

/** True when an executable named `tool` is in a PATH folder. */
function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The tools of `tools` that are not on PATH. */
function missingTools(tools: ToolPackages): string[] {
  return Object.keys(tools).filter((tool) => !onPath(tool));
}

/** The Debian packages that provide `tools`, each once. */
function packagesOf(tools: ToolPackages, names: readonly string[]): string[] {
  return [...new Set(names.map((name) => tools[name] ?? name))];
}

/** The shell command a user runs to install `packages` (as root, through sudo). */
function installCommand(packages: readonly string[]): string {
  return `sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`;
}

/** Runs apt-get with its output on this terminal; rejects unless it exits 0. */
async function aptGet(args: readonly string[]): Promise<void> {
  const child = spawn('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  // `once` rejects when the child emits 'error' (apt-get not found, say).
  const [code, signal] = (await once(child, 'exit').catch((error: Error) => {
    throw new Error(`cannot run apt-get: ${error.message}`);
  })) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    throw new Error(`apt-get ${args.join(' ')} failed with ${signal ?? `code ${code}`}`);
  }
}

/**
 * Makes sure every tool of `tools` is on PATH: when some are missing it installs their packages
 * with apt-get if running as root, else throws an Error whose message gives the exact command.
 * `user` names what needs them in that message, e.g. `the demo`.
 */
export async function ensureTools(tools: ToolPackages, user: string): Promise<void> {
  const missing = missingTools(tools);
  if (missing.length === 0) return;
  const packages = packagesOf(tools, missing);
  const what = missing.length > 1 ? `${missing.join(', ')} are` : `${missing[0]} is`;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${what} not on PATH; ${user} needs ${missing.length > 1 ? 'them' : 'it'}. Install with:\n  ${installCommand(packages)}`,
    );
  }
  console.error(`${what} not on PATH; installing ${packages.join(' ')} with apt-get`);
  await aptGet(['update']);
  await aptGet(['install', '-y', ...packages]);
  const stillMissing = missingTools(tools);
  if (stillMissing.length > 0) {
    throw new Error(`apt-get install did not provide ${stillMissing.join(', ')}`);
  }
}
