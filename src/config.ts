import { readFileSync } from 'node:fs';
import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';

/** Booleans as operators write them in environment variables. */
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const positiveInt = (max: number) => wholeNumber(1, max);

/** What REGISTRY_URL must look like, for the message when it does not. */
const REGISTRY_URL_SHAPE = 'must be an absolute http(s) URL, e.g. https://registry.example.com';

const registryUrl = z.string().transform((value, ctx) => {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url === undefined || !['http:', 'https:'].includes(url.protocol)) {
    ctx.addIssue({ code: 'custom', message: REGISTRY_URL_SHAPE });
    return z.NEVER;
  }
  if (url.username || url.password) {
    ctx.addIssue({
      code: 'custom',
      message: 'must not contain credentials (use REGISTRY_USERNAME and REGISTRY_PASSWORD)',
    });
  }
  if (!['', '/'].includes(url.pathname))
    ctx.addIssue({ code: 'custom', message: 'must have no path' });
  return url.origin;
});

/** Every setting, its default and what it means (`regql --help` prints them; docs/configuration.md lists them). */
const schema = z.object({
  REGISTRY_URL: registryUrl.describe('The registry regql fronts (required).'),
  AUTH_MODE: z
    .enum(['service', 'passthrough'], { error: 'must be service or passthrough' })
    .default('service')
    .describe(
      "`service`: every caller uses the configured account; `passthrough`: each caller's own Authorization header.",
    ),
  ACCESS_CHECK_TTL_MS: wholeNumber(0, 3_600_000)
    .default(30_000)
    .describe(
      "Milliseconds a caller's confirmed read access to a repository is trusted (passthrough mode).",
    ),
  TAG_TTL_MS: wholeNumber(0, 3_600_000)
    .default(0)
    .describe(
      "Milliseconds a tag's digest, once the registry gave it, is reused without asking again (0: every query asks). Within it a moved tag may show its previous image.",
    ),
  REGISTRY_EVENTS_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9._~+/=-]{16,512}$/, 'must be 16 to 512 letters, digits or ._~+/=-')
    .optional()
    .describe(
      "A secret the registry's notifications send as `Authorization: Bearer <token>`: when set, POST /registry-events takes the registry's events, and a tag's digest stays fresh until an event for its repository (none by default: no such route).",
    ),
  REGISTRY_EVENTS_MAX_AGE_MS: positiveInt(86_400_000)
    .default(600_000)
    .describe(
      "With REGISTRY_EVENTS_TOKEN, milliseconds a tag's digest is reused at most when no event for its repository came (a bound on what a lost event can leave stale).",
    ),
  REGISTRY_USERNAME: z
    .string()
    .min(1)
    .optional()
    .describe("The service account's username, when the registry needs one."),
  REGISTRY_PASSWORD: z
    .string()
    .min(1)
    .optional()
    .describe("The service account's password or token."),
  PUBLIC_REGISTRY_HOST: z
    .string()
    .regex(/^[a-zA-Z0-9.-]+(:\d+)?$/, 'must be a host name with an optional :port')
    .optional()
    .describe(
      "The host (and port) users pull from, for Tag.pullReference; default REGISTRY_URL's host.",
    ),
  PORT: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be from 0 to 65535')
    .max(65535, 'must be from 0 to 65535')
    .default(4000)
    .describe('Port the gateway listens on.'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Address the gateway listens on.'),
  READ_ONLY: flag
    .default(true)
    .describe('When true (the default), every mutation answers READ_ONLY.'),
  UPSTREAM_CONCURRENCY: positiveInt(1024)
    .default(64)
    .describe('Most concurrent requests to the registry (the size of the undici pool).'),
  UPSTREAM_HTTP2: flag
    .default(false)
    .describe(
      "When true, an https registry that offers HTTP/2 gets one connection carrying UPSTREAM_CONCURRENCY streams instead of as many connections. Off by default: uploads over HTTP/2 are held to the registry's flow-control window per round trip.",
    ),
  REGISTRY_CA_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      "A PEM file of CA certificates trusted besides the well-known ones, for a registry (and its token service) with a private CA's certificate.",
    ),
  UPSTREAM_CONNECT_TIMEOUT_MS: positiveInt(600_000)
    .default(10_000)
    .describe('Milliseconds to connect to the registry.'),
  UPSTREAM_TIMEOUT_MS: positiveInt(600_000)
    .default(30_000)
    .describe('Milliseconds the registry may take to send headers, and to stay silent in a body.'),
  UPSTREAM_RETRIES: z.coerce
    .number()
    .int()
    .min(0)
    .max(10)
    .default(2)
    .describe(
      'Retries of idempotent upstream requests after connection errors, 429, 500 and 502-504.',
    ),
  UPSTREAM_CIRCUIT_THRESHOLD: positiveInt(1000)
    .default(5)
    .describe(
      'Consecutive upstream failures (no answer, or 5xx after retries) that make calls fail fast.',
    ),
  UPSTREAM_CIRCUIT_COOLDOWN_MS: positiveInt(3_600_000)
    .default(10_000)
    .describe(
      'Milliseconds calls fail fast once the circuit is open, before they try the registry again.',
    ),
  RESPONSE_CACHE_TTL_MS: wholeNumber(0, 3_600_000)
    .default(0)
    .describe(
      "Milliseconds a whole query answer is reused for the same query, variables and caller's credentials (0: off). Within it the answer does not change, except that any mutation through this gateway, and any registry event other than a pull, empties the cache.",
    ),
  RESPONSE_CACHE_MAX_BYTES: positiveInt(2 ** 40)
    .default(64 * 1024 * 1024)
    .describe('Bytes of JSON answers the response cache keeps (least recently used go first).'),
  CACHE_MAX_BYTES: positiveInt(2 ** 40)
    .default(256 * 1024 * 1024)
    .describe('Bytes of digest-addressed manifests and configs cached in process.'),
  MAX_CONFIG_BYTES: positiveInt(256 * 1024 * 1024)
    .default(8 * 1024 * 1024)
    .describe('Largest image config read, in bytes.'),
  MAX_CHUNK_BYTES: positiveInt(1024 * 1024 * 1024)
    .default(16 * 1024 * 1024)
    .describe(
      'Largest upload chunk (and uploadBlob file) accepted, in bytes; bigger ones are refused unread.',
    ),
  MAX_QUERY_COST: positiveInt(100_000_000)
    .default(100_000)
    .describe(
      'Largest cost of an operation: 1 per field, connection selections times `first`, other object lists times 10.',
    ),
  MAX_QUERY_DEPTH: positiveInt(1000).default(15).describe('Deepest field nesting of an operation.'),
  MAX_QUERY_ALIASES: positiveInt(10_000).default(30).describe('Most aliases in an operation.'),
  MAX_QUERY_TOKENS: positiveInt(1_000_000)
    .default(5000)
    .describe('Most tokens in an operation document.'),
  COMPILED_EXECUTION: flag
    .default(true)
    .describe(
      'When true (the default), each operation without @defer/@stream runs as code graphql-jit compiles once per operation text, which spends less CPU per field; false runs every operation on the general executor.',
    ),
  INTROSPECTION: flag
    .default(true)
    .describe(
      'Whether the schema answers introspection (GraphiQL needs it; turn off in production if you like).',
    ),
  OPERATION_TIMEOUT_MS: positiveInt(3_600_000)
    .default(30_000)
    .describe(
      'Milliseconds an operation may run before its upstream calls are cut off (UPSTREAM_ERROR).',
    ),
  MAX_BODY_BYTES: positiveInt(1024 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('Largest GraphQL request body other than multipart uploads, in bytes.'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be fatal, error, warn, info, debug, trace or silent',
    })
    .default('info')
    .describe('Log level of the JSON logs: fatal, error, warn, info, debug, trace or silent.'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .describe(
      'Origins browsers may call the gateway from (comma-separated; `*` for any); none by default.',
    ),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .optional()
    .describe(
      'Redis for the cache shared by replicas (e.g. redis://127.0.0.1:6379/0), and with REGISTRY_EVENTS_TOKEN for passing registry events between them; none by default.',
    ),
  REDIS_KEY_PREFIX: z
    .string()
    .min(1)
    .default('regql:')
    .describe('Prefix of every key regql writes to Redis.'),
  REDIS_TTL_SECONDS: positiveInt(365 * 24 * 3600)
    .default(7 * 24 * 3600)
    .describe('Seconds a digest-addressed object lives in Redis.'),
  PERSISTED_OPERATIONS_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('A JSON file of persisted operations: `{ "<sha256 hex of the query>": "<query>" }`.'),
  PERSISTED_OPERATIONS_ONLY: flag
    .default(false)
    .describe(
      'When true, only persisted operations run (allow-list mode); needs PERSISTED_OPERATIONS_FILE.',
    ),
  SHUTDOWN_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(10_000)
    .describe('Milliseconds a shutdown waits for in-flight requests before closing them.'),
  MAX_PAGE_SIZE: positiveInt(10_000).default(1000).describe('Largest `first` on a connection.'),
});

/** The validated configuration. */
export interface Config {
  registryUrl: string;
  authMode: 'service' | 'passthrough';
  accessCheckTtlMs: number;
  /** How long a tag's digest from the registry is reused (0: never). */
  tagTtlMs: number;
  /**
   * Registry notifications (REGISTRY_EVENTS_TOKEN): the secret they must carry, and how long a
   * tag's digest is reused without an event for its repository; undefined: off.
   */
  registryEvents: { token: string; maxAgeMs: number } | undefined;
  /** Whole query answers reused per query, variables and credentials (ttlMs 0: off). */
  responseCache: { ttlMs: number; maxBytes: number };
  credentials: { username: string; password: string } | undefined;
  publicRegistryHost: string;
  port: number;
  host: string;
  readOnly: boolean;
  /** The PEM file of extra trusted CA certificates, if any. */
  registryCaFile: string | undefined;
  upstream: {
    connections: number;
    /** HTTP/2 where an https registry offers it. */
    http2: boolean;
    connectTimeoutMs: number;
    timeoutMs: number;
    retries: number;
    circuitThreshold: number;
    circuitCooldownMs: number;
  };
  cacheMaxBytes: number;
  maxConfigBytes: number;
  maxChunkBytes: number;
  maxPageSize: number;
  maxQueryCost: number;
  maxQueryDepth: number;
  maxQueryAliases: number;
  maxQueryTokens: number;
  introspection: boolean;
  /** Operations without @defer/@stream run as compiled code (graphql-jit). */
  compiledExecution: boolean;
  operationTimeoutMs: number;
  maxBodyBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Allowed browser origins; empty: CORS off. */
  corsOrigins: string[];
  redis: { url: string; keyPrefix: string; ttlSeconds: number } | undefined;
  persistedOperations: { file: string; only: boolean } | undefined;
  shutdownGraceMs: number;
}

/** Invalid configuration: the message lists each problem on a line of its own. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    /** One line per problem, e.g. `PORT must be a number`. */
    readonly problems: string[],
  ) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** The names of the settings regql reads. */
export const SETTINGS = Object.keys(schema.shape) as (keyof typeof schema.shape)[];

/** Each setting with its default (if any) and description, for `regql --help`. */
export function describeSettings(): { name: string; defaultValue?: string; description: string }[] {
  return SETTINGS.map((name) => {
    const field = schema.shape[name];
    const parsed = field.safeParse(undefined);
    const defaultValue =
      parsed.success && parsed.data !== undefined ? String(parsed.data) : undefined;
    return { name, defaultValue, description: field.description ?? '' };
  });
}

/** The settings of a `--config` JSON file, as strings like the environment's, and its problems. */
function readSettingsFile(file: string): { settings: Record<string, string>; problems: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    // JSON.parse quotes the text it stopped at, line breaks and all: one line per problem
    const reason = (error as Error).message.replace(/\s+/g, ' ');
    return { settings: {}, problems: [`--config ${file}: ${reason}`] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { settings: {}, problems: [`--config ${file}: must be a JSON object`] };
  }
  const known = new Set<string>(SETTINGS);
  const problems = Object.keys(parsed)
    .filter((key) => !known.has(key))
    .map((key) => `unknown setting ${key} in ${file}; ${suggestSetting(key)}`);
  const settings = Object.fromEntries(
    Object.entries(parsed).map(([key, value]) => [key, String(value)]),
  );
  return { settings, problems };
}

/** "did you mean X?" for the setting closest to a misspelt name, when one is close. */
function suggestSetting(name: string): string {
  const wanted = name.toUpperCase();
  const nearest = closest(wanted, SETTINGS);
  // a third of the name may be wrong (at least two letters): beyond, the nearest is a guess
  const close = distance(wanted, nearest) <= Math.max(2, Math.floor(name.length / 3));
  return close ? `did you mean ${nearest}?` : 'regql --help lists the settings';
}

/**
 * Reads and validates the environment, over the settings of a JSON file if one is named (the
 * environment wins), once; throws ConfigError listing every problem.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  file?: string,
): Config {
  const fromFile = file === undefined ? { settings: {}, problems: [] } : readSettingsFile(file);
  const merged: Record<string, string | undefined> = { ...fromFile.settings, ...env };
  const present = Object.fromEntries(
    SETTINGS.filter((key) => merged[key] !== undefined && merged[key] !== '').map((key) => [
      key,
      merged[key],
    ]),
  );
  const parsed = schema.safeParse(present);
  const problems = [
    ...fromFile.problems,
    ...(parsed.error?.issues ?? []).map((issue) => {
      const key = String(issue.path[0] ?? 'config');
      const message =
        issue.code === 'invalid_type' && present[key] === undefined ? 'is required' : issue.message;
      return `${key} ${message}`;
    }),
  ];
  // settings that need each other, judged on what was given so that they are listed with the rest
  const persistedOnly = schema.shape.PERSISTED_OPERATIONS_ONLY.safeParse(
    present.PERSISTED_OPERATIONS_ONLY,
  );
  if (persistedOnly.data && present.PERSISTED_OPERATIONS_FILE === undefined) {
    problems.push('PERSISTED_OPERATIONS_ONLY needs PERSISTED_OPERATIONS_FILE');
  }
  if ((present.REGISTRY_USERNAME === undefined) !== (present.REGISTRY_PASSWORD === undefined)) {
    problems.push('REGISTRY_USERNAME and REGISTRY_PASSWORD go together');
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    registryUrl: e.REGISTRY_URL,
    authMode: e.AUTH_MODE,
    accessCheckTtlMs: e.ACCESS_CHECK_TTL_MS,
    tagTtlMs: e.TAG_TTL_MS,
    registryEvents: e.REGISTRY_EVENTS_TOKEN
      ? { token: e.REGISTRY_EVENTS_TOKEN, maxAgeMs: e.REGISTRY_EVENTS_MAX_AGE_MS }
      : undefined,
    responseCache: { ttlMs: e.RESPONSE_CACHE_TTL_MS, maxBytes: e.RESPONSE_CACHE_MAX_BYTES },
    credentials:
      e.REGISTRY_USERNAME && e.REGISTRY_PASSWORD
        ? { username: e.REGISTRY_USERNAME, password: e.REGISTRY_PASSWORD }
        : undefined,
    publicRegistryHost: e.PUBLIC_REGISTRY_HOST ?? new URL(e.REGISTRY_URL).host,
    port: e.PORT,
    host: e.HOST,
    readOnly: e.READ_ONLY,
    registryCaFile: e.REGISTRY_CA_FILE,
    upstream: {
      connections: e.UPSTREAM_CONCURRENCY,
      http2: e.UPSTREAM_HTTP2,
      connectTimeoutMs: e.UPSTREAM_CONNECT_TIMEOUT_MS,
      timeoutMs: e.UPSTREAM_TIMEOUT_MS,
      retries: e.UPSTREAM_RETRIES,
      circuitThreshold: e.UPSTREAM_CIRCUIT_THRESHOLD,
      circuitCooldownMs: e.UPSTREAM_CIRCUIT_COOLDOWN_MS,
    },
    cacheMaxBytes: e.CACHE_MAX_BYTES,
    maxConfigBytes: e.MAX_CONFIG_BYTES,
    maxChunkBytes: e.MAX_CHUNK_BYTES,
    maxPageSize: e.MAX_PAGE_SIZE,
    maxQueryCost: e.MAX_QUERY_COST,
    maxQueryDepth: e.MAX_QUERY_DEPTH,
    maxQueryAliases: e.MAX_QUERY_ALIASES,
    maxQueryTokens: e.MAX_QUERY_TOKENS,
    introspection: e.INTROSPECTION,
    compiledExecution: e.COMPILED_EXECUTION,
    operationTimeoutMs: e.OPERATION_TIMEOUT_MS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    logLevel: e.LOG_LEVEL,
    corsOrigins: e.CORS_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    redis: e.REDIS_URL
      ? { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX, ttlSeconds: e.REDIS_TTL_SECONDS }
      : undefined,
    persistedOperations: e.PERSISTED_OPERATIONS_FILE
      ? { file: e.PERSISTED_OPERATIONS_FILE, only: e.PERSISTED_OPERATIONS_ONLY }
      : undefined,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}
