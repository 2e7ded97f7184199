import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, type OwnedProcess, own } from '../support/child-process.js';
import { until } from '../support/wait.js';

/** Longest `npm run demo` may take to start the registry, seed it and answer a query. */
const START_TIMEOUT_MS = 30_000;

/**
 * Longest a stop may take to leave nothing behind: the gateway's drain of idle connections and
 * the registry's exit (SIGKILL after 5 s) fit well within it.
 */
const STOP_TIMEOUT_MS = 15_000;

/** Each case starts the demo and stops it. */
const CASE_TIMEOUT_MS = START_TIMEOUT_MS + STOP_TIMEOUT_MS + 5_000;

/** The banner line that names the demo's temporary folder. */
const STORAGE_LINE = /^ {2}Storage {3}(\S+) {2}\(temporary\)$/m;

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A process as /proc shows it; the start time tells it from a later process given its pid. */
interface ProcessEntry {
  pid: number;
  ppid: number;
  /** Its process group (a terminal's Ctrl-C goes to the foreground group). */
  pgrp: number;
  /** Its command name, e.g. `docker-registry`. */
  name: string;
  state: string;
  startTime: string;
}

/** The process `pid` from /proc/PID/stat, or undefined when there is none. */
function readProcess(pid: number): ProcessEntry | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // `pid (name) state ppid pgrp …`; the name may hold spaces and parentheses, so split after the
  // last `)`
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return {
    pid,
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    name: stat.slice(stat.indexOf('(') + 1, close),
    state: fields[0]!,
    startTime: fields[19]!,
  };
}

/** Every process now running. */
function allProcesses(): ProcessEntry[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => readProcess(Number(entry)) ?? []);
}

/** The process `pid` and all its descendants. */
function processTree(pid: number): ProcessEntry[] {
  const processes = allProcesses();
  const tree = processes.filter((entry) => entry.pid === pid);
  for (let i = 0; i < tree.length; i++) {
    tree.push(...processes.filter((entry) => entry.ppid === tree[i]!.pid));
  }
  return tree;
}

/** Whether `entry` still runs (a zombie has ended; only its exit status is left to collect). */
function running(entry: ProcessEntry): boolean {
  const now = readProcess(entry.pid);
  return now !== undefined && now.startTime === entry.startTime && now.state !== 'Z';
}

/** The processes of group `pgid` that still run (whoever their parent is now). */
function groupMembers(pgid: number): ProcessEntry[] {
  return allProcesses().filter((entry) => entry.pgrp === pgid && entry.state !== 'Z');
}

/** The command line of process `pid`, its arguments joined by spaces ('' once it is gone). */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Processes whose command line names `text` (a docker-registry serving from a folder, say). */
function processesNaming(text: string): string[] {
  return allProcesses()
    .filter((entry) => entry.state !== 'Z')
    .flatMap(({ pid }) => {
      const command = commandLine(pid);
      return command.includes(text) ? [`${pid} ${command}`] : [];
    });
}

/** Whether something listens on 127.0.0.1:`port` (this process cannot listen there itself). */
async function portTaken(port: number): Promise<boolean> {
  const server = createServer();
  const taken = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => resolve(false));
  });
  if (!taken) await new Promise((resolve) => server.close(resolve));
  return taken;
}

/** A running `npm run demo`: its npm process (leader of its process group), and what it started. */
interface RunningDemo {
  npm: OwnedProcess;
  /** The npm process's pid, which is also the group's id. */
  pid: number;
  /** The npm process and its descendants, when the test found them all running. */
  tree: ProcessEntry[];
  /** The registry's temporary folder. */
  dir: string;
  /** The gateway's port and the registry's. */
  ports: number[];
}

/** Demos a test started, killed and removed after it whatever it left. */
const demos: RunningDemo[] = [];

afterEach(async () => {
  for (const demo of demos.splice(0)) {
    killAll([...demo.tree, ...groupMembers(demo.pid)]);
    await rm(demo.dir, { recursive: true, force: true });
  }
});

/** Sends SIGKILL to those of `entries` still running (after a failed test, or start). */
function killAll(entries: readonly ProcessEntry[]): void {
  for (const entry of entries.filter(running)) {
    try {
      process.kill(entry.pid, 'SIGKILL');
    } catch {
      // it ended meanwhile
    }
  }
}

/** Whether the gateway at `url` answers a query. */
async function answers(url: string): Promise<boolean> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  }).catch(() => undefined);
  return response?.ok ?? false;
}

/** The group's docker-registry serving from a `config.json` in its folder, once there is one. */
function registryOf(pgid: number): { dir: string; port: number } | undefined {
  for (const entry of groupMembers(pgid).filter((member) => member.name === 'docker-registry')) {
    const configPath = commandLine(entry.pid).split(' ')[2];
    if (configPath === undefined) continue;
    try {
      const config = JSON.parse(readFileSync(configPath, 'utf8')) as { http: { addr: string } };
      return { dir: dirname(configPath), port: Number(config.http.addr.split(':').pop()) };
    } catch {
      // the folder is being removed
    }
  }
  return undefined;
}

/**
 * Starts `npm run demo` on a free port in its own process group, as a terminal runs it in the
 * foreground, and waits until its docker-registry runs and, when `ready`, until the banner is out
 * and the gateway answers.
 */
async function startDemo(ready: boolean): Promise<RunningDemo> {
  const port = await freePort();
  const child = spawn('npm', ['run', 'demo'], {
    cwd: root,
    detached: true,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const npm = own(child);
  const pid = child.pid!;
  const url = `http://127.0.0.1:${port}/graphql`;
  const started = async () =>
    registryOf(pid) !== undefined &&
    (!ready || (STORAGE_LINE.test(npm.output()) && (await answers(url))));
  await until(started, START_TIMEOUT_MS).catch((error: Error) => {
    killAll([...processTree(pid), ...groupMembers(pid)]);
    throw new Error(`${error.message}; npm run demo printed:\n${npm.output()}`);
  });
  const registry = registryOf(pid)!;
  const demo = {
    npm,
    pid,
    tree: processTree(pid),
    dir: registry.dir,
    ports: [port, registry.port],
  };
  demos.push(demo);
  expect(demo.tree.map((entry) => entry.name)).toContain('docker-registry');
  if (ready) expect(STORAGE_LINE.exec(npm.output())![1]).toBe(registry.dir);
  expect(existsSync(demo.dir)).toBe(true);
  return demo;
}

/**
 * Waits until the demo's folder is gone, no process of its tree or group runs, none names the
 * folder (its docker-registry, wherever it went) and neither port is taken; then checks so.
 */
async function untilNothingLeft(demo: RunningDemo, failureAllowed = false): Promise<void> {
  const left = async () => ({
    folder: existsSync(demo.dir),
    tree: demo.tree.filter(running).map((entry) => `${entry.pid} ${entry.name}`),
    group: groupMembers(demo.pid).map((entry) => `${entry.pid} ${entry.name}`),
    namingFolder: processesNaming(demo.dir),
    portsTaken: (
      await Promise.all(demo.ports.map(async (port) => ((await portTaken(port)) ? [port] : [])))
    ).flat(),
  });
  const nothing = { folder: false, tree: [], group: [], namingFolder: [], portsTaken: [] };
  const started = performance.now();
  await until(async () => isDeepStrictEqual(await left(), nothing), STOP_TIMEOUT_MS)
    .catch(() => undefined)
    .finally(() =>
      console.log(`[demo-stop] stopped in ${(performance.now() - started).toFixed(0)} ms`),
    );
  expect(await left(), demo.npm.output()).toEqual(nothing);
  if (!failureAllowed) expect(demo.npm.output()).not.toContain('npm run demo failed');
}

/**
 * Sends `signal` to every process of the demo's group, as a terminal sends SIGINT on Ctrl-C (and
 * SIGHUP when it closes) to its foreground group; `again` tolerates a group already gone.
 */
function signalGroup(demo: RunningDemo, signal: NodeJS.Signals, again = false): void {
  try {
    process.kill(-demo.pid, signal);
  } catch (error) {
    if (!again || (error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

describe('npm run demo, stopped', () => {
  it.each([
    { run: 1, again: undefined, pressed: 'once' },
    { run: 2, again: undefined, pressed: 'once' },
    { run: 3, again: undefined, pressed: 'once' },
    // a second Ctrl-C within tsx's 30 ms, as the issue saw it forwarded
    { run: 4, again: 10, pressed: 'twice, 10 ms apart' },
    { run: 5, again: 30, pressed: 'twice, 30 ms apart' },
  ])(
    'by Ctrl-C (SIGINT to its process group) leaves nothing behind, run $run: pressed $pressed',
    async ({ again }) => {
      const demo = await startDemo(true);
      signalGroup(demo, 'SIGINT');
      if (again !== undefined) {
        await sleep(again);
        signalGroup(demo, 'SIGINT', true);
      }
      await untilNothingLeft(demo);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'by Ctrl-C while it starts leaves nothing behind',
    async () => {
      const demo = await startDemo(false);
      signalGroup(demo, 'SIGINT');
      // the start fails (its registry got the SIGINT too), which may be reported
      await untilNothingLeft(demo, true);
    },
    CASE_TIMEOUT_MS,
  );

  it.each([
    { signal: 'SIGTERM', to: 'the npm process', how: 'leaves nothing behind' },
    // the terminal closed
    { signal: 'SIGHUP', to: 'its process group', how: 'leaves nothing behind' },
    {
      signal: 'SIGKILL',
      to: 'the npm process',
      how: 'leaves nothing behind (the orphaned demo stops)',
    },
  ] as const)(
    'by $signal to $to $how',
    async ({ signal, to }) => {
      const demo = await startDemo(true);
      if (to === 'its process group') signalGroup(demo, signal);
      else process.kill(demo.pid, signal);
      await untilNothingLeft(demo);
    },
    CASE_TIMEOUT_MS,
  );
});
