import type { RegistryInfo, TokenStats } from './types.js';

/** Accounts of the basic and token registries: username to password. */
export const TEST_USERS: Readonly<Record<string, string>> = {
  alice: 'alice-secret',
  bob: 'bob-secret',
};

/** The account that may do anything; the harness seeds and reads fixtures as this user. */
export const ADMIN_USER = 'alice';

/** The value of an `Authorization: Basic` header. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** The password of `username` on `registry`; throws for an unknown user. */
function passwordOf(registry: RegistryInfo, username: string): string {
  const password = registry.users[username];
  if (password === undefined)
    throw new Error(`${registry.flavour} registry has no user ${username}`);
  return password;
}

/** Asks the token registry's issuer for a token (anonymously when `username` is undefined). */
export async function requestToken(
  registry: RegistryInfo,
  scopes: readonly string[],
  username?: string,
): Promise<string> {
  if (registry.tokenRealm === undefined || registry.service === undefined) {
    throw new Error(`${registry.flavour} registry has no token issuer`);
  }
  const url = new URL(registry.tokenRealm);
  url.searchParams.set('service', registry.service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  const headers: Record<string, string> =
    username === undefined
      ? {}
      : { authorization: basicAuth(username, passwordOf(registry, username)) };
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`token issuer answered ${response.status} for ${url}`);
  const body = (await response.json()) as { token: string };
  return body.token;
}

/** Headers that authenticate `username` (default ADMIN_USER) on `registry` for `scopes`. */
export async function authorization(
  registry: RegistryInfo,
  scopes: readonly string[],
  username = ADMIN_USER,
): Promise<Record<string, string>> {
  switch (registry.flavour) {
    case 'open':
      return {};
    case 'basic':
      return { authorization: basicAuth(username, passwordOf(registry, username)) };
    case 'token':
      return { authorization: `Bearer ${await requestToken(registry, scopes, username)}` };
  }
}

/** The token issuer's counters, read over HTTP (the issuer runs in the global-setup process). */
export async function tokenStats(registry: RegistryInfo): Promise<TokenStats> {
  if (registry.tokenRealm === undefined)
    throw new Error(`${registry.flavour} registry has no token issuer`);
  const response = await fetch(new URL('/stats', registry.tokenRealm));
  if (!response.ok) throw new Error(`token issuer answered ${response.status} for /stats`);
  return (await response.json()) as TokenStats;
}
