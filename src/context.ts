import { setMaxListeners } from 'node:events';
import { GraphQLError } from 'graphql';
import type { Config } from './config.js';
import { type AccessCache, TRUSTED } from './loaders/access.js';
import type { DigestCache } from './loaders/cache.js';
import { createLoaders, type Loaders } from './loaders/index.js';
import type { UploadTracker } from './loaders/uploads.js';
import { requestIdFor } from './observability.js';
import type { Credentials } from './registry/auth.js';
import type { RegistryClient } from './registry/client.js';

/** What the gateway shares across requests. */
export interface Shared {
  config: Config;
  /** The client with the configured service account. */
  client: RegistryClient;
  cache: DigestCache;
  access: AccessCache;
  uploads: UploadTracker;
}

/** What every resolver gets: the caller's client, this request's loaders, and its abort signal. */
export interface Context extends Shared {
  /** The HTTP request. */
  request: Request;
  /** Its X-Request-Id. */
  requestId: string;
  /** When the request's context was made (performance.now()). */
  started: number;
  /** Upstream answers this request's calls received (token requests not counted). */
  upstreamCalls: { count: number };
  /**
   * How the operation runs (set as it starts): graphql-js's executor, graphql-jit's compiled
   * code, or not at all (its arguments were refused before any field ran).
   */
  execution: 'general' | 'compiled' | 'refused';
  loaders: Loaders;
  /** Fires when the caller goes away or the operation's deadline passes. */
  signal: AbortSignal;
  /** Ends the operation's deadline timer. */
  finish(): void;
}

/** A caller's `Authorization` header as registry credentials (passthrough mode). */
export function callerCredentials(header: string | null): Credentials | undefined {
  if (!header) return undefined;
  const refuse = () =>
    new GraphQLError('the Authorization header must be Basic or Bearer credentials', {
      extensions: { code: 'UNAUTHORIZED', http: { status: 401 } },
    });
  const match = /^(Basic|Bearer) +([A-Za-z0-9._~+/=-]+) *$/i.exec(header);
  if (!match) throw refuse();
  const [, scheme = '', value = ''] = match;
  if (scheme.toLowerCase() === 'bearer') return { token: value };
  const pair = Buffer.from(value, 'base64').toString('utf8');
  const colon = pair.indexOf(':');
  if (colon < 1) throw refuse();
  return { username: pair.slice(0, colon), password: pair.slice(colon + 1) };
}

/**
 * The operation's abort signal: fires when the caller goes away (the server adapter's own signal
 * class is not honoured by undici, so this is a native one) or when the deadline passes. Made
 * only when first asked for (an answer from the cache needs none), with the time left then;
 * `finish` ends the timer once the operation is done, and a signal first asked for after that
 * never fires. No closures per request: it listens as an EventListener object.
 */
class Deadline {
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;
  private readonly ends: number;

  constructor(
    private readonly request: Request,
    ms: number,
  ) {
    this.ends = performance.now() + ms;
  }

  /** The signal (made on first use). */
  get signal(): AbortSignal {
    if (this.controller) return this.controller.signal;
    const controller = new AbortController();
    this.controller = controller;
    // every upstream call of the operation listens to this one signal
    setMaxListeners(0, controller.signal);
    if (this.finished) return controller.signal;
    const callerGone = this.request.signal;
    if (callerGone.aborted) controller.abort();
    else callerGone.addEventListener('abort', this, { once: true });
    this.timer = setTimeout(expire, Math.max(0, this.ends - performance.now()), controller);
    this.timer.unref();
    return controller.signal;
  }

  /** The caller went away: everything stops, so the timer too (an execution cut short never finishes). */
  handleEvent(): void {
    this.controller?.abort();
    clearTimeout(this.timer);
  }

  /** Ends the timer and stops listening to the caller. */
  finish(): void {
    this.finished = true;
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.request.signal.removeEventListener('abort', this);
  }
}

/** Aborts an operation whose deadline passed. */
function expire(controller: AbortController): void {
  controller.abort(new DOMException('the operation timed out', 'TimeoutError'));
}

/** Where a context keeps its deadline. */
const DEADLINE = Symbol('deadline');

/**
 * `signal` and `finish` of every context, read through its deadline: not enumerable, so Yoga's
 * copying of the context's properties neither makes the signal nor copies them, and the same two
 * functions for every context.
 */
const DEADLINE_PROPERTIES: PropertyDescriptorMap = {
  signal: {
    get(this: { [DEADLINE]: Deadline }) {
      return this[DEADLINE].signal;
    },
  },
  finish: {
    value(this: { [DEADLINE]: Deadline }) {
      this[DEADLINE].finish();
    },
  },
};

/**
 * Fills Yoga's context of one request (`yogaContext`, which holds the request) and returns it: new
 * loaders over the shared digest cache. In passthrough mode the registry sees the caller's own
 * credentials, and cached content is served to the caller only once the registry has confirmed
 * the caller may read that repository.
 */
export function createContext(shared: Shared, yogaContext: { request: Request }): Context {
  const { request } = yogaContext;
  const deadline = new Deadline(request, shared.config.operationTimeoutMs);
  const upstreamCalls = { count: 0 };
  let client = shared.client.derive({ deadline, calls: upstreamCalls });
  let access = TRUSTED;
  if (shared.config.authMode === 'passthrough') {
    const header = request.headers.get('authorization');
    client = client.withCredentials(callerCredentials(header));
    access = shared.access.forCaller(header ?? undefined);
  }
  // every property named: an object spread followed by more properties is slow on Node 20
  const context = Object.assign(yogaContext, {
    config: shared.config,
    cache: shared.cache,
    access: shared.access,
    uploads: shared.uploads,
    requestId: requestIdFor(request),
    started: performance.now(),
    upstreamCalls,
    execution: 'general' as Context['execution'],
    client,
    loaders: createLoaders(client, shared.cache, access),
    [DEADLINE]: deadline,
  });
  return Object.defineProperties(context, DEADLINE_PROPERTIES) as typeof context &
    Pick<Context, 'signal' | 'finish'>;
}
