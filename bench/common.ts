import type { RegistryLog } from './registry-log.js';
import type { Seeded } from './seed.js';
import type { Settings } from './settings.js';

/** How the benchmark reaches the registry: straight on loopback, or through the delay proxy. */
export interface Mode {
  /** `loopback`, or `+30 ms`. */
  name: string;
  /** The registry's URL, or the proxy's. */
  url: string;
  /** The latency the delay proxy adds (0 on loopback). */
  delayMs: number;
}

/** What every scenario needs. */
export interface Bench {
  settings: Settings;
  seeded: Seeded;
  log: RegistryLog;
}

/** When the benchmark started (performance.now()). */
const STARTED = performance.now();

/** Seconds since the benchmark started. */
export function elapsedSeconds(): number {
  return (performance.now() - STARTED) / 1000;
}

/** Prints a progress line with the seconds since the start. */
export function progress(message: string): void {
  console.log(`[${elapsedSeconds().toFixed(0).padStart(3)} s] ${message}`);
}
