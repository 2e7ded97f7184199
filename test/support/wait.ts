import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until `count()` has not changed for `quietMs`, and returns it; throws when it is still
 * changing after `boundMs` (a generous bound: this waits for quiescence, it does not time anything).
 */
export async function untilSteady(
  count: () => number,
  quietMs = 500,
  boundMs = 30_000,
): Promise<number> {
  const giveUp = Date.now() + boundMs;
  let last = count();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > giveUp) throw new Error(`still changing after ${boundMs} ms (at ${last})`);
    await sleep(25);
    const now = count();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

/** Waits until `done()` holds (checked every 10 ms; it may be async); throws after `boundMs`. */
export async function until(
  done: () => boolean | Promise<boolean>,
  boundMs = 30_000,
): Promise<void> {
  const giveUp = Date.now() + boundMs;
  while (!(await done())) {
    if (Date.now() > giveUp) throw new Error(`not done after ${boundMs} ms`);
    await sleep(10);
  }
}
