/** A listener undici registers for the abort of one request. */
type AbortListener = () => void;

/**
 * One operation's abort signal as undici's other kind of signal, an event emitter, whose
 * listeners are kept in a Set. An AbortSignal walks its whole listener list on every
 * `addEventListener` (to refuse duplicates), so the thousands of calls of one fan-out sharing
 * the operation's signal cost time quadratic in the calls in flight; here adding and removing
 * one costs the same however many there are.
 */
class AbortFan {
  readonly #signal: AbortSignal;
  readonly #listeners = new Set<AbortListener>();

  constructor(signal: AbortSignal) {
    this.#signal = signal;
    signal.addEventListener('abort', () => this.#abort(), { once: true });
  }

  /** Whether the operation's signal fired. */
  get aborted(): boolean {
    return this.#signal.aborted;
  }

  /** Why the operation's signal fired. */
  get reason(): unknown {
    return this.#signal.reason;
  }

  /** Adds a listener for `abort` (the only event there is). */
  on(_event: 'abort', listener: AbortListener): this {
    this.#listeners.add(listener);
    return this;
  }

  /** Adds a listener for `abort`; every listener is called at most once anyway. */
  once(event: 'abort', listener: AbortListener): this {
    return this.on(event, listener);
  }

  /** Removes a listener. */
  removeListener(_event: 'abort', listener: AbortListener): this {
    this.#listeners.delete(listener);
    return this;
  }

  #abort(): void {
    // As with an AbortSignal: a listener removed by an earlier one is not called, nor is one
    // added during the abort (a Set's iteration would visit it: one listener adding another
    // each time would never end).
    const listeners = [...this.#listeners];
    for (const listener of listeners) if (this.#listeners.delete(listener)) listener();
    this.#listeners.clear();
  }
}

const fans = new WeakMap<AbortSignal, AbortFan>();

/** The signal to give undici for `signal`: the same fan for every call that shares it. */
export function abortFan(signal: AbortSignal): AbortFan {
  let fan = fans.get(signal);
  if (!fan) {
    fan = new AbortFan(signal);
    fans.set(signal, fan);
  }
  return fan;
}
