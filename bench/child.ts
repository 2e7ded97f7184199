import { fork } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo, Server } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The project root (where `--import tsx` resolves). */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** A bench module running in a process of its own; each call gets one reply, in order. */
export interface Child<Request, Reply> {
  pid: number;
  /** Sends one request and resolves its reply. */
  call(request: Request): Promise<Reply>;
  /** Ends the process and waits for it to exit. */
  stop(): Promise<void>;
}

/** Forks `module` (TypeScript, through tsx) and resolves what it sends first, with the child. */
export async function forkChild<Ready, Request = never, Reply = never>(
  module: URL,
  args: string[] = [],
): Promise<{ ready: Ready; child: Child<Request, Reply> }> {
  const subprocess = fork(fileURLToPath(module), args, {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(subprocess, 'exit');
  const exitedEarly = exited.then(([code]) => {
    throw new Error(`${module} exited with ${code} before it was ready`);
  });
  exitedEarly.catch(() => undefined); // only the race below cares
  const [ready] = (await Promise.race([once(subprocess, 'message'), exitedEarly])) as [Ready];
  const waiting: { resolve(reply: Reply): void; reject(error: Error): void }[] = [];
  subprocess.on('message', (reply) => waiting.shift()?.resolve(reply as Reply));
  subprocess.once('exit', (code) => {
    for (const call of waiting.splice(0)) call.reject(new Error(`${module} exited with ${code}`));
  });
  return {
    ready,
    child: {
      pid: subprocess.pid ?? 0,
      call: (request) =>
        new Promise<Reply>((resolve, reject) => {
          waiting.push({ resolve, reject });
          subprocess.send(request as object);
        }),
      stop: async () => {
        if (subprocess.exitCode === null && subprocess.signalCode === null) {
          subprocess.kill('SIGTERM');
          await exited;
        }
      },
    },
  };
}

/**
 * In a forked module: sends `ready`, answers each request with `handle` (a failure ends the
 * process, failing the parent's call), and exits with its parent.
 */
export function serveParent<Request, Reply>(
  ready: unknown,
  handle?: (request: Request) => Promise<Reply>,
): void {
  process.on('disconnect', () => process.exit(0));
  if (handle) {
    process.on('message', (request) => {
      handle(request as Request).then(
        (reply) => process.send?.(reply as object),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
  }
  process.send?.(ready as object);
}

/** True when `moduleUrl` is the module this process was started with (it was forked). */
export function isEntry(moduleUrl: string): boolean {
  return process.argv[1] === fileURLToPath(moduleUrl);
}

/** Listens on a free loopback port; resolves `http://127.0.0.1:PORT`. */
export async function listenLoopback(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
