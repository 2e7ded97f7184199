export { freePort } from '../../src/demo/registry-process.js';

import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A child process a test started: what it printed, and how to stop it. */
export interface OwnedProcess {
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Stops it (SIGCONT first, should a test have paused it, then SIGTERM) and waits for its exit. */
  stop(): Promise<void>;
}

/** Collects what `child` (spawned with piped stdout/stderr) prints; kills it if this process exits first. */
export function own(child: ChildProcess): OwnedProcess {
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
  }
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = once(child, 'exit')
    .catch(() => undefined)
    .finally(() => process.off('exit', kill));
  return {
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
      }
      await exited;
    },
  };
}
