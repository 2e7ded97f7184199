import { breakdown, type LoggedRequest, type RegistryLog } from './registry-log.js';

/** Wall and CPU time of one timed run, in milliseconds. */
export interface Timing {
  ms: number;
  /** CPU time of this process (every thread) during the run. */
  cpuMs: number;
}

/** A scenario's timed runs, with what the registry saw during each. */
export interface Measured {
  /** Wall times of the timed runs, in run order. */
  ms: number[];
  /** CPU times of this process during the timed runs. */
  cpuMs: number[];
  /** Requests the registry logged during each timed run. */
  requests: number[];
  /** The last timed run's registry requests by kind (see `breakdown`). */
  upstream: Record<string, number>;
  median: { ms: number; cpuMs: number; requests: number };
}

/** The median (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs `work` and times it (wall, and this process's CPU). */
export async function timed(work: () => Promise<unknown>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  return { ms, cpuMs: (user + system) / 1000 };
}

/** Each scenario's run: it does its untimed setup itself and returns the timing of its timed part. */
export type Scenarios<K extends string> = Record<K, () => Promise<Timing>>;

/**
 * Runs every scenario once per round, in order, for `rounds` rounds, so that background load
 * drifting over time hits all of them alike (and the median leaves out a first run that also
 * warmed up the JIT). Counts the registry's requests during each run.
 */
export async function measureRounds<K extends string>(
  log: RegistryLog,
  rounds: number,
  scenarios: Scenarios<K>,
): Promise<Record<K, Measured>> {
  const names = Object.keys(scenarios) as K[];
  const timings = new Map<K, Timing[]>(names.map((name) => [name, []]));
  const requests = new Map<K, LoggedRequest[][]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const mark = await log.mark();
      timings.get(name)!.push(await scenarios[name]());
      requests.get(name)!.push(await log.since(mark));
    }
  }
  const summary = (name: K): Measured => {
    const ms = timings.get(name)!.map((t) => t.ms);
    const cpuMs = timings.get(name)!.map((t) => t.cpuMs);
    const logged = requests.get(name)!;
    const counts = logged.map((r) => r.length);
    return {
      ms,
      cpuMs,
      requests: counts,
      upstream: breakdown(logged.at(-1) ?? []),
      median: { ms: median(ms), cpuMs: median(cpuMs), requests: median(counts) },
    };
  };
  return Object.fromEntries(names.map((name) => [name, summary(name)])) as Record<K, Measured>;
}
