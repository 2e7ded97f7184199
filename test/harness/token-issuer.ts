import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { ADMIN_USER } from './auth.js';
import { run } from './exec.js';
import type { TokenStats } from './types.js';

/** The `iss` claim of every test token; the registry's `auth.token.issuer`. */
export const TOKEN_ISSUER = 'regql-test-issuer';

/** Repository-name prefixes and the actions granted on them, per account (`''` is anonymous). */
const ACL: Readonly<Record<string, readonly { prefix: string; actions: readonly string[] }[]>> = {
  '': [{ prefix: 'public/', actions: ['pull'] }],
  bob: [
    { prefix: 'public/', actions: ['pull'] },
    { prefix: 'bob/', actions: ['pull', 'push', 'delete'] },
  ],
};

/** One entry of a token's `access` claim (and one requested scope). */
interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** Options of startTokenIssuer. */
export interface TokenIssuerOptions {
  /** Folder for the signing key and its certificate. */
  dir: string;
  /** Service name the registry sends and the tokens' audience. */
  service: string;
  /** Accounts: username to password. */
  users: Readonly<Record<string, string>>;
  /** Lifetime of issued tokens in seconds (default 300). */
  expiresIn?: number;
}

/** A running test token issuer. */
export interface TokenIssuer {
  /** URL of the token endpoint, the registry's `auth.token.realm`. */
  realm: string;
  /** PEM certificate of the signing key, the registry's `auth.token.rootcertbundle`. */
  certificatePath: string;
  /** Closes the server. */
  stop(): Promise<void>;
}

/** Parses `type:name:actions` scopes (several params, or space-separated in one); undefined if malformed. */
function parseScopes(params: readonly string[]): Access[] | undefined {
  const merged = new Map<string, Access>();
  for (const scope of params.flatMap((param) => param.split(' ')).filter(Boolean)) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first <= 0 || last === first) return undefined;
    const type = scope.slice(0, first);
    const name = scope.slice(first + 1, last);
    const entry = merged.get(`${type}:${name}`) ?? { type, name, actions: [] };
    for (const action of scope.slice(last + 1).split(',')) {
      if (action && !entry.actions.includes(action)) entry.actions.push(action);
    }
    merged.set(`${type}:${name}`, entry);
  }
  return [...merged.values()];
}

/** The part of `requested` that `account` may have; resources with no granted action are left out. */
function grant(account: string, requested: readonly Access[]): Access[] {
  const rules = ACL[account] ?? [];
  return requested
    .map(({ type, name, actions }) => ({
      type,
      name,
      actions:
        account === ADMIN_USER
          ? actions
          : actions.filter(
              (action) =>
                type === 'repository' &&
                rules.some((rule) => name.startsWith(rule.prefix) && rule.actions.includes(action)),
            ),
    }))
    .filter((access) => access.actions.length > 0);
}

/** The account an `Authorization` header proves (`''` when absent), or undefined if it proves none. */
function authenticate(
  header: string | undefined,
  users: Readonly<Record<string, string>>,
): string | undefined {
  if (header === undefined) return '';
  const encoded = /^Basic\s+(\S+)$/i.exec(header)?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString();
  const colon = decoded.indexOf(':');
  const username = decoded.slice(0, colon);
  return colon > 0 && Object.hasOwn(users, username) && users[username] === decoded.slice(colon + 1)
    ? username
    : undefined;
}

/** Sends a JSON answer. */
function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Starts a Docker token-protocol issuer on a free loopback port, with a fresh openssl key. */
export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const expiresIn = options.expiresIn ?? 300;
  const keyPath = join(options.dir, 'issuer-key.pem');
  const certificatePath = join(options.dir, 'issuer-cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '7',
    '-subj',
    '/CN=regql test token issuer',
    '-keyout',
    keyPath,
    '-out',
    certificatePath,
  ]);
  const key = createPrivateKey(await readFile(keyPath));
  const x5c = new X509Certificate(await readFile(certificatePath)).raw.toString('base64');
  const stats: TokenStats = { requests: 0, issued: 0, refused: 0, issuedTo: {} };

  /** Refuses a token request. */
  const refuse = (response: ServerResponse, status: number, code: string, message: string) => {
    stats.refused++;
    const headers: Record<string, string> =
      status === 401 ? { 'www-authenticate': `Basic realm="${TOKEN_ISSUER}"` } : {};
    sendJson(response, status, { errors: [{ code, message }] }, headers);
  };

  /** Answers `GET /token` and `GET /stats`. */
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://issuer');
    if (request.method === 'GET' && url.pathname === '/stats')
      return sendJson(response, 200, stats);
    if (request.method !== 'GET' || url.pathname !== '/token') {
      return sendJson(response, 404, {
        errors: [{ code: 'NOT_FOUND', message: 'no such endpoint' }],
      });
    }
    stats.requests++;
    const account = authenticate(request.headers.authorization, options.users);
    if (account === undefined) return refuse(response, 401, 'UNAUTHORIZED', 'bad credentials');
    const service = url.searchParams.get('service');
    if (service !== null && service !== options.service) {
      return refuse(response, 400, 'INVALID_SERVICE', `unknown service ${service}`);
    }
    const requested = parseScopes(url.searchParams.getAll('scope'));
    if (requested === undefined) return refuse(response, 400, 'INVALID_SCOPE', 'malformed scope');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ access: grant(account, requested) })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: [x5c] })
      .setIssuer(TOKEN_ISSUER)
      .setSubject(account)
      .setAudience(options.service)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + expiresIn)
      .setJti(randomUUID())
      .sign(key);
    stats.issued++;
    stats.issuedTo[account] = (stats.issuedTo[account] ?? 0) + 1;
    sendJson(response, 200, {
      token,
      access_token: token,
      expires_in: expiresIn,
      issued_at: new Date(now * 1000).toISOString(),
    });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      sendJson(response, 500, { errors: [{ code: 'INTERNAL', message: String(error) }] });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certificatePath,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
