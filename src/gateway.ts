import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import {
  BREAK,
  type DocumentNode,
  GraphQLError,
  type GraphQLErrorExtensions,
  Kind,
  OperationTypeNode,
  type Source,
  type ValidationRule,
  visit,
} from 'graphql';
import {
  createYoga,
  type FetchAPI,
  isAsyncIterable,
  maskError,
  type Plugin,
  type YogaServerInstance,
} from 'graphql-yoga';
import type { Logger } from 'pino';
import { runnableOperation, useArgumentChecks } from './argument-checks.js';
import { type Config, ConfigError } from './config.js';
import { type Context, createContext, type Shared } from './context.js';
import { shortenValues, useQueryLimits } from './limits.js';
import { AccessCache } from './loaders/access.js';
import { DigestCache } from './loaders/cache.js';
import { RedisEventChannel, RedisStore } from './loaders/redis.js';
import { UploadTracker } from './loaders/uploads.js';
import { useStreamingMultipart } from './multipart.js';
import { createLogger, json, Metrics, useOperations } from './observability.js';
import { RegistryClient, RegistryConnection } from './registry/client.js';
import { RegistryError } from './registry/errors.js';
import type { UpstreamEvent } from './registry/http.js';
import { useRegistryEvents } from './registry-events.js';
import { ResponseCache, useAnswerCache } from './response-cache.js';
import { DEFAULT_QUERY } from './schema/default-query.js';
import { schema } from './schema/index.js';

/** The gateway: the Yoga app plus the process-wide connection and cache behind it. */
export interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, Context>;
  connection: RegistryConnection;
  cache: DigestCache;
  metrics: Metrics;
  logger: Logger;
  /** Starts a shutdown: /ready answers 503 from now on. */
  drain(): void;
  /** Closes the upstream connections and the Redis connection, if any. */
  close(): Promise<void>;
}

/** A GraphQL error's extensions; graphql-jit's own errors (a document it cannot compile) have none. */
function extensionsOf(error: GraphQLError): GraphQLErrorExtensions {
  return (error.extensions as GraphQLErrorExtensions | undefined) ?? {};
}

/**
 * True for an error of GraphQL's own making, not a resolver's unexpected throw: graphql-js's or
 * Yoga's refusal of the request (malformed multipart, missing CSRF header, a variable of the
 * wrong type), or a GraphQLError a resolver threw on purpose.
 */
function isRefusal(error: unknown): error is GraphQLError {
  if (!(error instanceof GraphQLError)) return false;
  const original = error.originalError;
  return !(original instanceof Error) || original instanceof GraphQLError;
}

/**
 * Turns a resolver's RegistryError into a GraphQL error with the contract's `code` (and the
 * registry's `registryCode`); GraphQL's own errors pass; anything else is masked.
 */
export function toClientError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof RegistryError && error instanceof GraphQLError) {
    return new GraphQLError(original.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: {
        code: original.code,
        ...(original.registryCode ? { registryCode: original.registryCode } : {}),
      },
    });
  }
  if (isRefusal(error) && !extensionsOf(error).code) {
    // the caller's to fix
    const status = (extensionsOf(error).http as { status?: number } | undefined)?.status ?? 400;
    return new GraphQLError(shortenValues(error.message), {
      nodes: error.nodes,
      positions: error.positions,
      path: error.path,
      extensions: { code: 'BAD_USER_INPUT', http: { status } },
    });
  }
  if (error instanceof GraphQLError && extensionsOf(error).code === 'REQUEST_ENTITY_TOO_LARGE') {
    return new GraphQLError(error.message, {
      extensions: { code: 'BAD_USER_INPUT', http: { status: 413 } },
    });
  }
  const masked = maskError(error, message, isDev);
  return masked instanceof GraphQLError && masked.message.length > 200
    ? new GraphQLError(shortenValues(masked.message), {
        nodes: masked.nodes,
        positions: masked.positions,
        path: masked.path,
        extensions: masked.extensions,
      })
    : masked;
}

/** Headers that mark a request as sent by a GraphQL client, not by a form on another site. */
export const CSRF_HEADERS = [
  'x-regql-csrf',
  'apollo-require-preflight',
  'graphql-require-preflight',
];

/**
 * True for errors the contract expects (a RegistryError, or GraphQL's own refusal, coded or not,
 * a missing CSRF header included): the caller sees them, so they are not worth a log line.
 */
function isExpected(error: unknown): boolean {
  const original = error instanceof GraphQLError ? error.originalError : error;
  return original instanceof RegistryError || isRefusal(error);
}

/** Yoga's own log lines through pino; expected errors (callers see them) are not logged. */
function yogaLogging(logger: Logger) {
  return {
    debug: (...args: unknown[]) => logger.debug({ detail: args.map(String) }, 'yoga'),
    info: (...args: unknown[]) => logger.info({ detail: args.map(String) }, 'yoga'),
    warn: (...args: unknown[]) => logger.warn({ detail: args.map(String) }, 'yoga'),
    error: (...args: unknown[]) => {
      if (!args.every(isExpected)) logger.error({ err: args[0] }, 'unexpected error');
    },
  };
}

/** The PEM text of REGISTRY_CA_FILE; a ConfigError when it cannot be read or holds no certificate. */
function readCaFile(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`REGISTRY_CA_FILE ${file}: ${(error as Error).message}`]);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError([`REGISTRY_CA_FILE ${file}: no PEM certificate in it`]);
  }
  return pem;
}

/**
 * Persisted operations from a JSON file `{ "<sha256 hex of the query>": "<query>" }`, each key
 * checked against its query; refuses to start on a bad file.
 */
function loadPersistedOperations(file: string): Map<string, string> {
  let entries: [string, unknown][];
  try {
    entries = Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
  } catch (error) {
    throw new ConfigError([`PERSISTED_OPERATIONS_FILE ${file}: ${(error as Error).message}`]);
  }
  for (const [hash, query] of entries) {
    if (typeof query !== 'string' || createHash('sha256').update(query).digest('hex') !== hash) {
      throw new ConfigError([
        `PERSISTED_OPERATIONS_FILE ${file}: ${hash} is not the sha256 of its query`,
      ]);
    }
  }
  return new Map(entries as [string, string][]);
}

/** Content types a GraphQL POST may have: JSON, GraphQL, or multipart (uploads). */
const POST_TYPES = ['application/json', 'application/graphql', 'multipart/form-data'];

/** An error answer before any GraphQL processing. */
function refuse(status: number, message: string): Response {
  return json(status, { errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] });
}

/** Where GraphQL (and GraphiQL) is served: Yoga's default endpoint; other paths are not found. */
const GRAPHQL_PATH = '/graphql';

/**
 * Refuses, before reading it, a GraphQL POST that is neither JSON nor multipart (415: no form
 * posts) and a JSON body over `maxBytes` by its Content-Length (413). Multipart uploads are
 * bounded per file by MAX_CHUNK_BYTES instead. A POST elsewhere is left to be not found (404).
 */
function useRequestShape(maxBytes: number): Plugin {
  return {
    onRequest({ request, url, endResponse }) {
      if (request.method !== 'POST' || url.pathname !== GRAPHQL_PATH) return;
      const type = (request.headers.get('content-type') ?? '')
        .split(';', 1)[0]
        ?.trim()
        .toLowerCase();
      if (!POST_TYPES.includes(type ?? '')) {
        return endResponse(
          refuse(415, 'send GraphQL as application/json, or uploads as multipart/form-data'),
        );
      }
      const length = Number(request.headers.get('content-length') ?? 0);
      if (type !== 'multipart/form-data' && length > maxBytes) {
        return endResponse(refuse(413, `the request body exceeds ${maxBytes} bytes`));
      }
    },
  };
}

/** Largest request body of any kind (Yoga's default limit, kept). */
const MAX_REQUEST_BYTES = 25_000_000;

/** A refusal of the request body itself, as Yoga phrases it (toClientError maps the codes). */
function bodyError(status: number, code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status } } });
}

/** `request` with its body refused once more than `maxBytes` of it have been read. */
function countedRequest(request: Request, maxBytes: number, fetchAPI: FetchAPI): Request {
  const body = request.body;
  if (!body) return request;
  // as in Yoga: a native body needs the native TransformStream
  const Transform = body instanceof ReadableStream ? TransformStream : fetchAPI.TransformStream;
  let read = 0;
  const counted = body.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        if (read > maxBytes) {
          controller.error(bodyError(413, 'REQUEST_ENTITY_TOO_LARGE', 'Request body too large'));
        } else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: counted,
    duplex: 'half',
  } as RequestInit);
}

/**
 * Yoga's request-body limit, done cheaply: a body with a Content-Length is judged by that header
 * (node:http reads no more than it declares), and only a body without one (chunked) is counted
 * as it is read. Yoga's own limit pipes every body through a stream (about 60 µs a request).
 */
function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const length = request.headers.get('content-length');
      if (length !== null) {
        if (!/^\d+$/.test(length)) {
          throw bodyError(400, 'BAD_REQUEST', 'Content-Length header is invalid.');
        }
        if (Number(length) > maxBytes) {
          throw bodyError(413, 'REQUEST_ENTITY_TOO_LARGE', 'Request body too large');
        }
        return;
      }
      if (requestParser && request.body) {
        setRequestParser((req) => requestParser(countedRequest(req, maxBytes, fetchAPI)));
      }
    },
  };
}

/**
 * Ends an operation's deadline timer once its execution is done (one object for every operation):
 * at once for a single result, after the last part for @defer/@stream.
 */
const FINISH_DEADLINE = {
  onExecuteDone: ({ args, result }: { args: { contextValue: unknown }; result: unknown }) => {
    const context = args.contextValue as Context;
    if (!isAsyncIterable(result)) return context.finish();
    return { onEnd: () => context.finish() };
  },
};

/** The message of an error masked because it was not expected (Yoga's own default). */
const MASKED_MESSAGE = 'Unexpected error.';

/**
 * Gives the errors inside @defer/@stream parts (`incremental[].errors`) what the first part's get:
 * the contract's `code`, and a mask over anything unexpected (logged instead). Yoga's error
 * masking reads only a part's top-level `errors`.
 */
function useIncrementalErrors(logging: ReturnType<typeof yogaLogging>): Plugin {
  // as Yoga treats a part's top-level errors: masked, and logged (unless expected) when changed
  const mask = (error: GraphQLError) => {
    const masked = toClientError(error, MASKED_MESSAGE) as GraphQLError;
    if (masked !== error) logging.error(error);
    return masked;
  };
  return {
    onExecute: () => ({
      onExecuteDone: () => ({
        onNext({ result, setResult }) {
          if (!('incremental' in result) || !result.incremental?.some((entry) => entry.errors)) {
            return;
          }
          const incremental = result.incremental.map((entry) =>
            entry.errors ? Object.assign({}, entry, { errors: entry.errors.map(mask) }) : entry,
          );
          setResult(Object.assign({}, result, { incremental }));
        },
      }),
    }),
  };
}

/** Per parsed document (Yoga reuses it for the same text): whether it asks for @defer or @stream. */
const incremental = new WeakMap<DocumentNode, boolean>();

/** Whether the document has a @defer or @stream directive anywhere. */
function isIncremental(document: DocumentNode): boolean {
  let found = incremental.get(document);
  if (found !== undefined) return found;
  found = false;
  visit(document, {
    [Kind.DIRECTIVE](node) {
      if (node.name.value !== 'defer' && node.name.value !== 'stream') return undefined;
      found = true;
      return BREAK;
    },
  });
  incremental.set(document, found);
  return found;
}

/**
 * Runs each single-result operation through a function graphql-jit compiles once per document, which
 * spends less CPU per resolved field than the general executor (a cold fan-out resolves about
 * 30,000). The general executor still runs what the compiled code answers differently: @defer and
 * @stream (graphql-jit has neither), a missing operation, and variables that do not coerce (their
 * errors keep graphql-js's messages and the contract's codes).
 */
function useCompiledExecution(logger: Logger): Plugin[] {
  const compile = useGraphQlJit(
    {},
    {
      enableIf: (args) => {
        const { schema: compiledFor, document, operationName, variableValues } = args;
        if (isIncremental(document)) return false;
        if (!runnableOperation(compiledFor, document, operationName, variableValues)) return false;
        (args.contextValue as Context).execution = 'compiled';
        return true;
      },
      // not expected once the operation exists and validated; answered with the compiler's errors
      onError: (result) => logger.error({ errors: result.errors }, 'graphql-jit could not compile'),
    },
  ) as Plugin;
  return [compile, LOCATE_COMPILED_ERRORS];
}

/**
 * graphql-jit's errors made again as graphql-js makes them, from the document's source: they carry
 * their line and column but no source positions, which Yoga and toClientError copy when they mask
 * or serialise an error (so the `locations` would be lost).
 */
const LOCATE_COMPILED_ERRORS: Plugin = {
  onExecute({ args }) {
    if ((args.contextValue as unknown as Context).execution !== 'compiled') return;
    const source = args.document.loc?.source;
    if (!source) return;
    return {
      onExecuteDone({ result, setResult }) {
        if (isAsyncIterable(result) || !result.errors) return;
        const lineStarts = [0];
        for (const match of source.body.matchAll(/\r\n|[\n\r]/g)) {
          lineStarts.push(match.index + match[0].length);
        }
        const errors = result.errors.map((error) => located(error, source, lineStarts));
        setResult({ ...result, errors });
      },
    };
  },
};

/**
 * A compiled execution's error as graphql-js's, its locations turned into positions in `source`
 * (whose lines start at the offsets `lineStarts`).
 */
function located(error: GraphQLError, source: Source, lineStarts: readonly number[]): GraphQLError {
  if (error.positions || !error.locations) return error;
  return new GraphQLError(error.message, {
    source,
    positions: error.locations.map(({ line, column }) => (lineStarts[line - 1] ?? 0) + column - 1),
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/**
 * Yoga's execution cancellation (the caller's signal given to the executor, so a caller who hangs
 * up stops the resolvers), for @defer/@stream operations only: their later parts would otherwise
 * go on for nobody. A single-result operation stops anyway, as every upstream call aborts with the
 * caller (the deadline), and the executor's signal costs a cached query about 17 µs.
 */
const CANCEL_INCREMENTAL: Plugin = {
  onExecute({ args }) {
    if (!isIncremental(args.document)) return;
    Object.assign(args, { signal: args.contextValue.request.signal });
  },
};

/**
 * Refuses a subscription operation when validated (BAD_USER_INPUT, HTTP 400 for any Accept),
 * before an executor sees it: graphql-jit cannot compile it, and graphql-js names no cause.
 */
const noSubscriptions: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== OperationTypeNode.SUBSCRIPTION) return;
    if (context.getSchema().getSubscriptionType()) return;
    context.reportError(
      new GraphQLError('subscriptions are not supported: this schema has no Subscription type', {
        nodes: node,
        // spec: false, or Yoga answers a validation error to application/json with 200
        extensions: { code: 'BAD_USER_INPUT', http: { status: 400, spec: false } },
      }),
    );
  },
});

/** Validates every operation with noSubscriptions too. */
const REFUSE_SUBSCRIPTIONS: Plugin = {
  onValidate: ({ addValidationRule }) => addValidationRule(noSubscriptions),
};

/** Observers of what the gateway does upstream, and where it logs. */
export interface GatewayHooks {
  /** Called once per upstream answer (retries, token requests and redirects included). */
  onUpstream?: (event: UpstreamEvent) => void;
  /** The logger; by default JSON lines on stdout at LOG_LEVEL. */
  logger?: Logger;
}

/** Builds the gateway for a configuration (nothing listens yet; see server.ts). */
export function createGateway(config: Config, hooks: GatewayHooks = {}): Gateway {
  const logger = hooks.logger ?? createLogger(config.logLevel);
  const events = config.registryEvents;
  const cache = new DigestCache(
    config.cacheMaxBytes,
    config.redis && new RedisStore(config.redis),
    // with events a tag stays fresh for the longer of the two (TAG_TTL_MS already accepts that
    // staleness); an event for its repository ends it sooner either way
    events ? Math.max(config.tagTtlMs, events.maxAgeMs) : config.tagTtlMs,
    events !== undefined,
  );
  const answers =
    config.responseCache.ttlMs > 0 ? new ResponseCache(config.responseCache.maxBytes) : undefined;
  const uploads = new UploadTracker();
  const metrics = new Metrics(cache, uploads);
  /** A change the registry told of (to this replica, or to another one sharing its Redis). */
  const changed = (repositories: Iterable<string>) => {
    for (const repository of repositories) cache.repositoryChanged(repository);
    // the registry changed behind this gateway's back: no kept answer may stay
    answers?.invalidate();
  };
  // with Redis, the replicas tell each other of the events any one of them received
  const channel =
    events && config.redis
      ? new RedisEventChannel(config.redis, {
          changed: (repositories) => {
            metrics.observeEventBroadcast('received');
            changed(repositories);
          },
          resync: () => {
            metrics.observeEventBroadcast('resync');
            cache.everythingChanged();
            answers?.invalidate();
          },
        })
      : undefined;
  const connection = new RegistryConnection(config.registryUrl, {
    onResponse: (event) => {
      metrics.observeUpstream(event);
      hooks.onUpstream?.(event);
    },
    connections: config.upstream.connections,
    http2: config.upstream.http2,
    ca: config.registryCaFile ? readCaFile(config.registryCaFile) : '',
    connectTimeoutMs: config.upstream.connectTimeoutMs,
    headersTimeoutMs: config.upstream.timeoutMs,
    bodyTimeoutMs: config.upstream.timeoutMs,
    retries: config.upstream.retries,
    circuitThreshold: config.upstream.circuitThreshold,
    circuitCooldownMs: config.upstream.circuitCooldownMs,
    maxConfigBytes: config.maxConfigBytes,
  });
  const shared: Shared = {
    config,
    // in passthrough mode callers bring their own credentials; the service account is not used
    client: new RegistryClient(connection, {
      credentials: config.authMode === 'service' ? config.credentials : undefined,
    }),
    cache,
    access: new AccessCache(config.accessCheckTtlMs),
    uploads,
  };
  let draining = false;
  const persisted = config.persistedOperations;
  const store = persisted ? loadPersistedOperations(persisted.file) : undefined;
  const logging = yogaLogging(logger);
  let graphiqlPage: Promise<string> | undefined;
  const yoga = createYoga<Record<string, never>, Context>({
    schema,
    context: (yogaContext) => createContext(shared, yogaContext),
    graphiql: { defaultQuery: DEFAULT_QUERY, title: 'regql' },
    // GraphiQL with its scripts, styles and editor workers inline: no CDN, so it works offline.
    // Loaded and rendered once, on the first visit (a 9 MB page; its options never change).
    renderGraphiQL: (options) =>
      (graphiqlPage ??= import('@graphql-yoga/render-graphiql').then((m) =>
        m.renderGraphiQL(options),
      )),
    maskedErrors: { maskError: toClientError },
    landingPage: false,
    // useBodyLimit below does the same, without a stream per request
    maxRequestBodySize: false,
    logging,
    cors: config.corsOrigins.length
      ? { origin: config.corsOrigins, credentials: true, methods: ['GET', 'POST'] }
      : false,
    plugins: [
      // the registry's notifications (before the GraphQL request checks: they are no GraphQL)
      ...(events
        ? [
            useRegistryEvents({
              token: events.token,
              maxBytes: config.maxBodyBytes,
              metrics,
              onChange: (repositories) => {
                changed(repositories);
                void channel?.publish([...repositories]).then((sent) => {
                  metrics.observeEventBroadcast(sent ? 'sent' : 'send_failed');
                });
              },
            }),
          ]
        : []),
      useRequestShape(config.maxBodyBytes),
      // requests a browser sends without a CORS preflight (GET, multipart) must carry one of
      // these headers, so no other site can make a visitor's browser run a mutation
      useCSRFPrevention({ requestHeaders: CSRF_HEADERS }),
      // uploads stream upstream while they arrive; files past MAX_CHUNK_BYTES are refused
      useStreamingMultipart({ fileBytes: config.maxChunkBytes, fieldBytes: config.maxBodyBytes }),
      // after the multipart parser: a body without a Content-Length is counted whoever parses it
      useBodyLimit(MAX_REQUEST_BYTES),
      useOperations({ logger, metrics, client: shared.client, draining: () => draining }),
      // the contract's codes inside @defer/@stream parts too
      useIncrementalErrors(logging),
      ...(store && persisted
        ? [
            usePersistedOperations({
              getPersistedOperation: (key: string) => store.get(key) ?? null,
              allowArbitraryOperations: !persisted.only,
            }),
          ]
        : []),
      useQueryLimits(config),
      // a subscription is refused with its cause, before graphql-jit would fail to compile it
      REFUSE_SUBSCRIPTIONS,
      // every argument of the operation checked before any field runs: bad input costs nothing
      useArgumentChecks(),
      // @defer and @stream: a portal renders tag names first, sizes and dates as they arrive
      useDeferStream(),
      // single-result operations run as code compiled once per document (COMPILED_EXECUTION)
      ...(config.compiledExecution ? useCompiledExecution(logger) : []),
      // whole answers reused for a while (RESPONSE_CACHE_TTL_MS), after the limits and the log;
      // after compiled execution too, as it wraps the execute function chosen before it
      ...(answers ? useAnswerCache(config, answers) : []),
      // the deadline timer of each operation ends with it (with its last part, when streamed)
      { onExecute: () => FINISH_DEADLINE },
      // a caller who hangs up stops a @defer/@stream execution: no further resolvers (nor deferred
      // parts) run, so no further upstream calls; useOperations logs the operation once, as cancelled
      CANCEL_INCREMENTAL,
    ],
  });
  return {
    yoga,
    connection,
    cache,
    metrics,
    logger,
    drain: () => {
      draining = true;
    },
    close: async () => {
      await connection.close();
      await Promise.all([cache.close(), channel?.close()]);
    },
  };
}
