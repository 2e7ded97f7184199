import type { Dispatcher } from 'undici';
import { abortFan } from './abort-fan.js';

/** What the registry answered, the body still arriving. */
export interface DispatchedAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: CollectedBody;
}

/** Why a collected body was cut short: the answer is larger than the caller reads. */
class OverLimit extends Error {}

/**
 * A response body read whole into memory as it arrives, without a stream: what a manifest, a
 * config or a tag list needs (a few kilobytes each, thousands per query). Past `maxBytes` (or a
 * declared Content-Length over it) the exchange is aborted and `bytes()` says so.
 */
export class CollectedBody {
  readonly #chunks: Buffer[] = [];
  #length = 0;
  /** The body arrived whole. */
  #ended = false;
  /** The body arrived whole, or cannot be had. */
  #settled = false;
  #controller: Dispatcher.DispatchController | undefined;
  readonly #done: Promise<Buffer>;
  #resolve!: (bytes: Buffer) => void;
  #reject!: (error: Error) => void;

  constructor(
    /** Most bytes kept. */
    readonly maxBytes: number,
  ) {
    this.#done = new Promise<Buffer>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // a failure nobody reads (a body dumped or never asked for) is not an unhandled rejection
    this.#done.catch(() => undefined);
  }

  /** The whole body; rejects when it is over `maxBytes` (see `isOverLimit`), or was cut off. */
  bytes(): Promise<Buffer> {
    return this.#done;
  }

  /** Whether the body arrived whole. */
  get readableEnded(): boolean {
    return this.#ended;
  }

  /** Waits for the end of the body, whatever it brings (it is at most `maxBytes`). */
  async dump(): Promise<void> {
    await this.#done.catch(() => undefined);
  }

  /** Gives up the body: the exchange is aborted if it is still arriving. */
  destroy(): void {
    if (!this.#settled) this.#controller?.abort(new Error('response body discarded'));
  }

  /** Accepted for the streamed body's sake (`abortBody`); a collected body never emits. */
  on(_event: 'error', _listener: () => void): this {
    return this;
  }

  /** The whole body as one chunk, once it has arrived. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    yield await this.#done;
  }

  /** Starts collecting; aborts at once when the declared length is already over the limit. */
  start(controller: Dispatcher.DispatchController, declaredLength: number): void {
    this.#controller = controller;
    if (declaredLength > this.maxBytes) this.fail(new OverLimit());
  }

  /** Adds a chunk; over the limit the exchange is aborted. */
  add(chunk: Buffer): void {
    this.#length += chunk.length;
    if (this.#length > this.maxBytes) {
      this.fail(new OverLimit());
      return;
    }
    this.#chunks.push(chunk);
  }

  /** The body arrived whole. */
  end(): void {
    this.#ended = true;
    this.#settled = true;
    this.#resolve(
      this.#chunks.length === 1
        ? (this.#chunks[0] as Buffer)
        : Buffer.concat(this.#chunks, this.#length),
    );
  }

  /** The body cannot be had: over the limit, or cut off. */
  fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
    if (error instanceof OverLimit) this.#controller?.abort(error);
  }
}

/** Whether a collected body failed for being over its limit (rather than cut off). */
export function isOverLimit(error: unknown): boolean {
  return error instanceof OverLimit;
}

/**
 * Sends one request through `dispatcher` and collects its body (at most `maxBytes`) without a
 * stream; resolves with status and headers as soon as they arrive, like undici's `request`, and
 * rejects when no answer comes (or `signal` fires first).
 */
export function dispatchCollected(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: AbortSignal | undefined,
  maxBytes: number,
): Promise<DispatchedAnswer> {
  return new Promise((resolve, reject) => {
    const body = new CollectedBody(maxBytes);
    const fan = signal && abortFan(signal);
    let controller: Dispatcher.DispatchController | undefined;
    let answered = false;
    let settled = false;
    const onAbort = () => controller?.abort(signal?.reason ?? new Error('aborted'));
    const finish = () => {
      settled = true;
      fan?.removeListener('abort', onAbort);
    };
    if (fan?.aborted) {
      reject(fan.reason ?? new Error('aborted'));
      return;
    }
    fan?.on('abort', onAbort);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (fan?.aborted) onAbort();
      },
      onResponseStart(started, status, headers) {
        // 1xx informational answers come before the real one
        if (status < 200 || answered) return;
        answered = true;
        const declared = Number(headers['content-length']);
        resolve({ statusCode: status, headers, body });
        body.start(started, Number.isFinite(declared) ? declared : 0);
      },
      onResponseData(_controller, chunk) {
        body.add(chunk);
      },
      onResponseEnd() {
        finish();
        body.end();
      },
      onResponseError(_controller, error) {
        if (settled) return;
        finish();
        if (answered) body.fail(error);
        else reject(error);
      },
    };
    try {
      dispatcher.dispatch(options, handler);
    } catch (error) {
      finish();
      reject(error);
    }
  });
}
