/** The benchmark's sizes and durations, read from BENCH_* environment variables. */
export interface Settings {
  /** Repositories of the fan-out (BENCH_REPOS). */
  repos: number;
  /** Tags per fan-out repository (BENCH_TAGS). */
  tags: number;
  /** Tags of the one large repository (BENCH_BIG_TAGS). */
  bigTags: number;
  /** Tags of the huge repository whose memory use scenario 10 measures (BENCH_HUGE_TAGS). */
  hugeTags: number;
  /** Latency the delay proxy adds to every request, in milliseconds (BENCH_DELAY_MS). */
  delayMs: number;
  /** Timed runs per scenario and mode; the median is reported (BENCH_RUNS). */
  runs: number;
  /** Rounds of `npm run bench:layers`, whose CPU medians need more than BENCH_RUNS (BENCH_LAYER_RUNS). */
  layerRuns: number;
  /** Concurrent clients of the throughput scenario (BENCH_CLIENTS). */
  clients: number;
  /** Seconds of load per throughput target, in one-second slices taken in turns (BENCH_SECONDS). */
  seconds: number;
  /** Size of the uploaded blob in MiB (BENCH_UPLOAD_MIB). */
  uploadMiB: number;
}

/** Each setting's variable, default and largest value. */
const VARIABLES: Record<keyof Settings, [name: string, fallback: number, max: number]> = {
  repos: ['BENCH_REPOS', 50, 900],
  tags: ['BENCH_TAGS', 20, 1000],
  bigTags: ['BENCH_BIG_TAGS', 2000, 100_000],
  hugeTags: ['BENCH_HUGE_TAGS', 20_000, 100_000],
  delayMs: ['BENCH_DELAY_MS', 30, 10_000],
  runs: ['BENCH_RUNS', 3, 1000],
  layerRuns: ['BENCH_LAYER_RUNS', 9, 1000],
  clients: ['BENCH_CLIENTS', 32, 1024],
  seconds: ['BENCH_SECONDS', 3, 3600],
  uploadMiB: ['BENCH_UPLOAD_MIB', 256, 65_536],
};

/** Reads every setting (a whole number from 1 to its maximum); throws listing the invalid ones. */
export function readSettings(env: Record<string, string | undefined> = process.env): Settings {
  const problems: string[] = [];
  const entries = Object.entries(VARIABLES).map(([key, [name, fallback, max]]) => {
    const text = env[name];
    const value = text === undefined || text === '' ? fallback : Number(text);
    if (!Number.isInteger(value) || value < 1 || value > max) {
      problems.push(`${name} must be a whole number from 1 to ${max}, got ${text}`);
    }
    return [key, value];
  });
  if (problems.length > 0)
    throw new Error(`invalid benchmark settings:\n  ${problems.join('\n  ')}`);
  return Object.fromEntries(entries) as Settings;
}
