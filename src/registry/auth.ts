import { createHash } from 'node:crypto';
import { parse as parseAuthHeader } from 'auth-header';
import { LRUCache } from 'lru-cache';
import { RegistryError } from './errors.js';
import { errorFromResponse, type HttpTransport, readBody } from './http.js';

/** Credentials for the registry: a username and password, or a ready registry bearer token. */
export type Credentials = { username: string; password: string } | { token: string };

/** The authentication scheme a registry asks for. */
export type AuthScheme = 'none' | 'basic' | 'bearer';

/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  scheme: Exclude<AuthScheme, 'none'>;
  realm?: string;
  service?: string;
  /** Space-separated scopes the registry named. */
  scope?: string;
  /** `insufficient_scope`, `invalid_token`, ... */
  error?: string;
}

/** Parses a WWW-Authenticate header into a Basic or Bearer challenge; undefined for others. */
export function parseChallenge(value: string | undefined): Challenge | undefined {
  if (!value) return undefined;
  let parsed: ReturnType<typeof parseAuthHeader>;
  try {
    parsed = parseAuthHeader(value);
  } catch {
    return undefined;
  }
  const scheme = parsed.scheme.toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const param = (name: string): string | undefined => {
    const v = parsed.params[name];
    return Array.isArray(v) ? v[0] : v;
  };
  return {
    scheme,
    realm: param('realm'),
    service: param('service'),
    scope: param('scope'),
    error: param('error'),
  };
}

/** The pull scope of a repository. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** The pull and push scope of a repository. */
export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

/** The delete scope of a repository (registries grant deletes separately). */
export function deleteScope(repository: string): string {
  return `repository:${repository}:delete`;
}

/** The scope of `GET /v2/_catalog`. */
export const CATALOG_SCOPE = 'registry:catalog:*';

/** Settings of the authenticator. */
export interface AuthOptions {
  /** Most cached bearer tokens. */
  tokenCacheSize?: number;
  /** Largest token response accepted, in bytes. */
  maxTokenResponseBytes?: number;
}

/** Seconds a token lives when the token service does not say (the Docker token spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;
/** Seconds before expiry at which a cached token is no longer handed out. */
const TOKEN_EXPIRY_SLACK_SECONDS = 10;

/** The registry's challenge: unknown until learned, `null` when the registry needs none. */
type ChallengeState = Challenge | null | undefined;

/**
 * Answers "what Authorization header goes with this request": learns the registry's challenge,
 * fetches bearer tokens from its realm and caches them per credential and scope.
 */
export class Authenticator {
  private challenge: ChallengeState;
  private readonly tokens: LRUCache<string, string>;
  private readonly pending = new Map<string, Promise<string>>();
  private readonly maxTokenResponseBytes: number;

  constructor(
    private readonly http: HttpTransport,
    options: AuthOptions = {},
  ) {
    this.tokens = new LRUCache({ max: options.tokenCacheSize ?? 10_000, ttlAutopurge: false });
    this.maxTokenResponseBytes = options.maxTokenResponseBytes ?? 1024 * 1024;
  }

  /** The scheme the registry asked for, or undefined while no request has told. */
  get scheme(): AuthScheme | undefined {
    if (this.challenge === undefined) return undefined;
    return this.challenge === null ? 'none' : this.challenge.scheme;
  }

  /** True once the registry's challenge (or that it has none) is known. */
  get known(): boolean {
    return this.challenge !== undefined;
  }

  /** Records what an answer said about authentication; returns the challenge of a 401. */
  learn(status: number, wwwAuthenticate: string | undefined): Challenge | undefined {
    const challenge = status === 401 ? parseChallenge(wwwAuthenticate) : undefined;
    if (challenge) this.challenge = challenge;
    else if (status !== 401 && this.challenge === undefined) this.challenge = null;
    return challenge;
  }

  /**
   * The Authorization header for a request needing `scopes`, or undefined when none is due.
   * `fresh` skips the token cache (after the registry refused a cached token).
   */
  async authorization(
    scopes: readonly string[],
    credentials: Credentials | undefined,
    fresh = false,
  ): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      return credentials && 'username' in credentials ? basicHeader(credentials) : undefined;
    }
    if (credentials && 'token' in credentials) return `Bearer ${credentials.token}`;
    return `Bearer ${await this.token(challenge, scopes, credentials, fresh)}`;
  }

  /** A bearer token for the scopes, from the cache or the challenge's realm. */
  private async token(
    challenge: Challenge,
    scopes: readonly string[],
    credentials: Credentials | undefined,
    fresh: boolean,
  ): Promise<string> {
    const wanted = [...new Set(scopes)].sort();
    const key = cacheKey(challenge, wanted, credentials);
    const cached = fresh ? undefined : this.tokens.get(key);
    if (cached) return cached;
    let promise = this.pending.get(key);
    if (!promise) {
      promise = this.fetchToken(challenge, wanted, credentials, key).finally(() =>
        this.pending.delete(key),
      );
      this.pending.set(key, promise);
    }
    return promise;
  }

  private async fetchToken(
    challenge: Challenge,
    scopes: readonly string[],
    credentials: Credentials | undefined,
    key: string,
  ): Promise<string> {
    if (!challenge.realm) {
      throw new RegistryError('UPSTREAM_ERROR', 'registry sent a Bearer challenge without a realm');
    }
    let url: URL;
    try {
      url = new URL(challenge.realm);
    } catch {
      throw new RegistryError('UPSTREAM_ERROR', 'registry sent an invalid token realm');
    }
    if (challenge.service) url.searchParams.set('service', challenge.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credentials && 'username' in credentials) headers.authorization = basicHeader(credentials);
    const response = await this.http.send({ method: 'GET', url, headers });
    if (response.status === 401 || response.status === 403) {
      await response.body.dump();
      throw new RegistryError(
        'UNAUTHORIZED',
        'the registry token service refused the credentials',
        {
          statusCode: response.status,
        },
      );
    }
    if (response.status !== 200) throw await errorFromResponse(response, 'registry token service');
    const body = await readBody(response, this.maxTokenResponseBytes, 'token response');
    const { token, seconds } = parseTokenResponse(body);
    const ttlSeconds = Math.max(seconds - TOKEN_EXPIRY_SLACK_SECONDS, 1);
    this.tokens.set(key, token, { ttl: ttlSeconds * 1000 });
    return token;
  }
}

/** The token and its lifetime from a token service's JSON answer (`token` or `access_token`). */
export function parseTokenResponse(body: Uint8Array): { token: string; seconds: number } {
  let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new RegistryError('UPSTREAM_ERROR', 'the registry token service answered invalid JSON');
  }
  const token = typeof parsed.token === 'string' ? parsed.token : parsed.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new RegistryError('UPSTREAM_ERROR', 'the registry token service answered no token');
  }
  const expires = parsed.expires_in;
  const seconds = typeof expires === 'number' && expires > 0 ? expires : DEFAULT_TOKEN_SECONDS;
  return { token, seconds };
}

function basicHeader(credentials: { username: string; password: string }): string {
  const pair = `${credentials.username}:${credentials.password}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

/** A cache key that names the credential only by a hash of it. */
function cacheKey(
  challenge: Challenge,
  scopes: readonly string[],
  credentials: Credentials | undefined,
): string {
  const hash = createHash('sha256');
  for (const part of [challenge.realm, challenge.service, ...scopes]) hash.update(`${part}\0`);
  if (credentials && 'username' in credentials) {
    hash.update(`basic\0${credentials.username}\0${credentials.password}`);
  } else {
    hash.update('anonymous');
  }
  return hash.digest('hex');
}
