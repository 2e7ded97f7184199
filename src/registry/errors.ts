/** The contract's error codes (api-contract.graphql), carried in `extensions.code`. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'UPSTREAM_ERROR'
  | 'INTEGRITY_ERROR'
  | 'UNSUPPORTED'
  | 'READ_ONLY'
  | 'QUERY_TOO_COMPLEX';

/** Options of a RegistryError besides its code and message. */
export interface RegistryErrorOptions {
  /** HTTP status the registry answered, when there was an answer. */
  statusCode?: number;
  /** The registry's own error code (MANIFEST_UNKNOWN, DENIED, ...). */
  registryCode?: string;
  /** The underlying error; never exposed to GraphQL callers. */
  cause?: unknown;
  /** True when the same call may well succeed if tried again (an answer cut off mid-way). */
  transient?: boolean;
}

/** The one error type of the registry client: a stable code, the HTTP status and the registry's code. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  /** Stable, contract-level code; test this, never the message. */
  readonly code: ErrorCode;
  /** HTTP status of the registry's answer, if any. */
  readonly statusCode: number | undefined;
  /** The registry's own error code, if it sent one. */
  readonly registryCode: string | undefined;
  /** True when the same call may well succeed if tried again. */
  readonly transient: boolean;

  constructor(code: ErrorCode, message: string, options: RegistryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.statusCode = options.statusCode;
    this.registryCode = options.registryCode;
    this.transient = options.transient ?? false;
  }
}

/** Throws BAD_USER_INPUT with the given message. */
export function badInput(message: string): never {
  throw new RegistryError('BAD_USER_INPUT', message);
}

/** True when `error` is a RegistryError with the given code. */
export function isRegistryError(error: unknown, code?: ErrorCode): error is RegistryError {
  return error instanceof RegistryError && (code === undefined || error.code === code);
}

/** One entry of the registry's `{"errors": [...]}` body. */
interface RegistryErrorEntry {
  code?: unknown;
}

/** The first error code in a registry error body, or undefined when the body is not one. */
export function registryCodeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: RegistryErrorEntry[] };
    const code = Array.isArray(parsed.errors) ? parsed.errors[0]?.code : undefined;
    return typeof code === 'string' && /^[A-Z_]{1,64}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Maps a registry's HTTP answer to the contract's code. */
export function codeForStatus(status: number, registryCode: string | undefined): ErrorCode {
  if (registryCode === 'UNSUPPORTED') return 'UNSUPPORTED';
  if (registryCode === 'DENIED') return 'FORBIDDEN';
  if (registryCode === 'TOOMANYREQUESTS') return 'RATE_LIMITED';
  switch (status) {
    case 400:
      return registryCode === 'DIGEST_INVALID' || registryCode === 'SIZE_INVALID'
        ? 'INTEGRITY_ERROR'
        : 'BAD_USER_INPUT';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'UNSUPPORTED';
    case 416:
      return 'BAD_USER_INPUT';
    case 429:
      return 'RATE_LIMITED';
    default:
      return 'UPSTREAM_ERROR';
  }
}
