import { randomUUID } from 'node:crypto';
import { type GraphQLError, getOperationAST } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { type DestinationStream, type Logger, pino } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from './config.js';
import type { Context } from './context.js';
import type { DigestCache } from './loaders/cache.js';
import type { UploadTracker } from './loaders/uploads.js';
import type { RegistryClient } from './registry/client.js';
import type { UpstreamEvent } from './registry/http.js';

/**
 * A JSON logger at the configured level, to stdout or `destination`; credentials are redacted
 * wherever they might appear.
 */
export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'regql' },
    redact: {
      paths: ['authorization', '*.authorization', 'password', '*.password', 'token', '*.token'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The API area of an upstream path, a bounded label: manifests, blobs, uploads, tags, ... */
export function upstreamEndpoint(path: string): string {
  if (path === '/v2/' || path === '/v2') return 'base';
  if (path === '/v2/_catalog') return 'catalog';
  const match = /\/(manifests|blobs\/uploads|blobs|tags|referrers)\//.exec(path);
  return match ? (match[1] as string).replace('blobs/uploads', 'uploads') : 'other';
}

/** The action label of a registry event: the registry's own, or `other` for one it may add later. */
export type RegistryEventAction = 'push' | 'pull' | 'delete' | 'mount' | 'other';

/** What happened on the Redis events channel shared by replicas. */
export type EventBroadcast = 'sent' | 'send_failed' | 'received' | 'resync';

/** Why a POST of registry events was refused. */
export type RefusedEventsReason =
  | 'unauthorized'
  | 'method'
  | 'media_type'
  | 'too_large'
  | 'malformed';

/** The Prometheus metrics of one gateway (its own registry, so several gateways can coexist). */
export class Metrics {
  /** Where the metrics live; `/metrics` serves it. */
  readonly registry = new Registry();
  private readonly operations = this.counter(
    'regql_graphql_operations_total',
    'GraphQL operations executed, by operation type',
    'type',
  );
  private readonly errors = this.counter(
    'regql_graphql_errors_total',
    'GraphQL errors returned, by extensions.code',
    'code',
  );
  private readonly cancelled = new Counter({
    name: 'regql_graphql_operations_cancelled_total',
    help: 'GraphQL operations whose caller went away before the whole answer was sent',
    registers: [this.registry],
  });
  private readonly upstream = new Counter({
    name: 'regql_upstream_requests_total',
    help: 'Requests to the registry (and its token service), by endpoint, method and status (0: no answer)',
    labelNames: ['endpoint', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'regql_upstream_request_duration_seconds',
    help: 'Time to the registry answer headers, by endpoint',
    labelNames: ['endpoint'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly registryEvents = this.counter(
    'regql_registry_events_total',
    'Registry notification events accepted, by action (push, pull, delete, mount, other); pull events change nothing',
    'action',
  );
  private readonly eventBroadcasts = this.counter(
    'regql_registry_event_broadcasts_total',
    'Registry events shared with other replicas over Redis: sent, send_failed, received, and resync (the subscription came back: everything counted as changed)',
    'kind',
  );
  private readonly registryEventsRefused = this.counter(
    'regql_registry_event_requests_refused_total',
    'POSTs to /registry-events refused, by reason (unauthorized, method, media_type, too_large, malformed)',
    'reason',
  );

  constructor(cache: DigestCache, uploads: UploadTracker) {
    const registers = [this.registry];
    /** A counter that reads a running total kept elsewhere each time it is scraped. */
    const total = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    total(
      'regql_cache_hits_total',
      'Digest-addressed objects served from the cache',
      () => cache.stats.hits,
    );
    total(
      'regql_cache_misses_total',
      'Digest-addressed objects not in the cache',
      () => cache.stats.misses,
    );
    for (const kind of ['hits', 'misses', 'errors'] as const) {
      total(
        `regql_cache_shared_${kind}_total`,
        `Lookups in the Redis tier shared by replicas: ${kind} (zero without REDIS_URL)`,
        () => cache.sharedStats[kind],
      );
    }
    new Gauge({
      name: 'regql_uploads_in_flight',
      help: 'Upload sessions this gateway has open (started, not yet completed or cancelled)',
      registers,
      collect() {
        this.set(uploads.size);
      },
    });
  }

  /** A counter in this gateway's registry with one label. */
  private counter<L extends string>(name: string, help: string, label: L): Counter<L> {
    return new Counter({ name, help, labelNames: [label], registers: [this.registry] });
  }

  /** Counts one upstream answer. */
  observeUpstream(event: UpstreamEvent): void {
    const endpoint = event.path === '/token' ? 'token' : upstreamEndpoint(event.path);
    this.upstream.inc({ endpoint, method: event.method, status: String(event.status) });
    this.latency.observe({ endpoint }, event.durationMs / 1000);
  }

  /** Counts an executed operation. */
  observeOperation(type: string): void {
    this.operations.inc({ type });
  }

  /** Counts the errors of a response by their contract code. */
  observeErrors(codes: readonly string[]): void {
    for (const code of codes) this.errors.inc({ code });
  }

  /** Counts an operation whose caller went away. */
  observeCancelled(): void {
    this.cancelled.inc();
  }

  /** Counts an accepted registry event by its action. */
  observeRegistryEvent(action: RegistryEventAction): void {
    this.registryEvents.inc({ action });
  }

  /** Counts what happened on the Redis events channel. */
  observeEventBroadcast(kind: EventBroadcast): void {
    this.eventBroadcasts.inc({ kind });
  }

  /** Counts a refused POST of registry events by why it was refused. */
  observeRefusedEvents(reason: RefusedEventsReason): void {
    this.registryEventsRefused.inc({ reason });
  }
}

/** A caller's X-Request-Id when it is a sane token, else a new one. */
function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/** What the operations plugin needs from the gateway. */
export interface OperationsDeps {
  logger: Logger;
  metrics: Metrics;
  /** The service-account client, for readiness. */
  client: RegistryClient;
  /** True once shutdown began: /ready answers 503 so load balancers stop sending. */
  draining(): boolean;
}

/** A JSON answer made before (or instead of) any GraphQL processing. */
export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** The request id of each request, set when it arrives. */
const requestIds = new WeakMap<Request, string>();

/** The id given to a request (X-Request-Id, or a new one). */
export function requestIdFor(request: Request): string {
  let id = requestIds.get(request);
  if (!id) {
    id = requestIdOf(request);
    requestIds.set(request, id);
  }
  return id;
}

/**
 * `/health` (the process answers), `/ready` (the registry answers `GET /v2/`, and no shutdown is
 * under way), `/metrics` (Prometheus), an `X-Request-Id` on every answer, and one JSON log line
 * per operation with its name, duration, upstream call count and error codes (and `outcome:
 * "cancelled"` when its caller went away first; a streamed answer's line comes after its last part).
 */
export function useOperations(deps: OperationsDeps): Plugin {
  return {
    // not async: a GraphQL request (nearly every one) passes without a promise
    onRequest({ request, url, endResponse }) {
      requestIdFor(request);
      const path = url.pathname;
      if (path === '/health') return endResponse(json(200, { status: 'ok' }));
      if (path === '/ready') return ready(deps).then(endResponse);
      if (path === '/metrics') return metricsPage(deps.metrics).then(endResponse);
      if (path === '/' && ['GET', 'HEAD'].includes(request.method)) {
        return endResponse(rootAnswer(request));
      }
    },
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdFor(request));
    },
    onExecute({ args }) {
      const context = args.contextValue as unknown as Context;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation) deps.metrics.observeOperation(operation.operation);
      executed.set(context.request, {
        context,
        operation: args.operationName ?? operation?.name?.value ?? null,
      });
    },
    onResultProcess({ request, result, setResult }) {
      // a streamed result (@defer, @stream) is reported once its last part has gone, or the caller
      if (isAsyncIterable(result)) {
        const codes: string[] = [];
        setResult(notedParts(result, codes, () => report(deps, request, codes, true)));
        return;
      }
      const results = Array.isArray(result) ? result : [result];
      report(deps, request, results.flatMap(errorCodes), false);
    },
  };
}

/** One part of an answer: a whole result, or a streamed part with its incremental results. */
type AnswerPart = { errors?: readonly GraphQLError[]; incremental?: readonly AnswerPart[] };

/** The contract codes of a part's errors (and of its incremental results'). */
function errorCodes(part: AnswerPart): string[] {
  const codes = Array.isArray(part.errors)
    ? part.errors.map((e: GraphQLError) => String(e.extensions?.code ?? 'UNKNOWN'))
    : [];
  return Array.isArray(part.incremental)
    ? codes.concat(part.incremental.flatMap(errorCodes))
    : codes;
}

/**
 * The parts of a streamed answer as they pass, their error codes added to `codes`; `end` runs
 * once when the stream stops: finished, failed, or dropped by a caller who went away.
 */
async function* notedParts<T extends AnswerPart>(
  parts: AsyncIterable<T>,
  codes: string[],
  end: () => void,
): AsyncGenerator<T> {
  try {
    for await (const part of parts) {
      codes.push(...errorCodes(part));
      yield part;
    }
  } finally {
    end();
  }
}

/**
 * Counts an operation's error codes (and its cancellation: the caller went away, so nothing or
 * only part of the answer reached it) and writes its one log line.
 */
function report(
  deps: OperationsDeps,
  request: Request,
  codes: readonly string[],
  streamed: boolean,
): void {
  deps.metrics.observeErrors(codes);
  // a whole answer without errors was not cut short; reading the signal makes it (microseconds)
  const cancelled = (streamed || codes.length > 0) && request.signal.aborted;
  if (cancelled) deps.metrics.observeCancelled();
  // the line is not even built when the level leaves it out (LOG_LEVEL=warn)
  if (!deps.logger.isLevelEnabled('info')) return;
  const run = executed.get(request);
  deps.logger.info(
    {
      requestId: requestIdFor(request),
      operation: run?.operation ?? null,
      durationMs: run ? Math.round(performance.now() - run.context.started) : undefined,
      upstreamCalls: run?.context.upstreamCalls.count ?? 0,
      execution: run?.context.execution === 'refused' ? undefined : run?.context.execution,
      errors: codes.length ? codes : undefined,
      outcome: cancelled ? 'cancelled' : undefined,
    },
    'graphql',
  );
}

/** What `GET /` points at: the endpoints beside it. */
const ROOT_POINTER = {
  message: 'regql: GraphQL (and GraphiQL, in a browser) is served at /graphql',
  graphql: '/graphql',
  health: '/health',
  ready: '/ready',
  metrics: '/metrics',
};

/** The `GET /` answer: a browser is sent on to GraphiQL (302), anything else gets ROOT_POINTER. */
function rootAnswer(request: Request): Response {
  if ((request.headers.get('accept') ?? '').includes('text/html')) {
    return new Response(null, { status: 302, headers: { location: ROOT_POINTER.graphql } });
  }
  return json(200, ROOT_POINTER);
}

/** The `/ready` answer: 200 once the registry answers `GET /v2/`, 503 while draining or when it does not. */
async function ready(deps: OperationsDeps): Promise<Response> {
  if (deps.draining()) return json(503, { status: 'draining' });
  try {
    await deps.client.ping();
    return json(200, { status: 'ready' });
  } catch {
    return json(503, { status: 'registry unreachable' });
  }
}

/** The `/metrics` answer (Prometheus text format). */
async function metricsPage(metrics: Metrics): Promise<Response> {
  const text = await metrics.registry.metrics();
  return new Response(text, { headers: { 'content-type': metrics.registry.contentType } });
}

/** The context and operation name of each request that reached execution. */
const executed = new WeakMap<Request, { context: Context; operation: string | null }>();
