import { execFile } from 'node:child_process';

/** Options of `run`. */
export interface RunOptions {
  /** Extra environment variables, merged over the current environment. */
  env?: Record<string, string>;
}

/** Runs a program to completion and resolves with its stdout bytes; rejects with its stderr. */
export function run(command: string, args: readonly string[], options: RunOptions = {}) {
  return new Promise<Buffer>((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.toString().trim() || error.message;
          reject(new Error(`${command} ${args.join(' ')} failed: ${detail}`, { cause: error }));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/** Like Promise.all, but rejects (with the first error) only once every promise has settled. */
export async function settleAll<T extends readonly unknown[] | []>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed?.status === 'rejected') throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
