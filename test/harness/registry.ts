import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLocalRegistry } from '../../src/demo/registry-process.js';
import { TEST_USERS } from './auth.js';
import { run } from './exec.js';
import { startTokenIssuer, TOKEN_ISSUER, type TokenIssuer } from './token-issuer.js';
import type { RegistryFlavour, RegistryInfo } from './types.js';

/** Service name of the token registry (the tokens' audience). */
const TOKEN_SERVICE = 'regql-test-registry';

/** A registry process started by startRegistry. */
export interface RunningRegistry {
  /** Plain description of it, for tests. */
  info: RegistryInfo;
  /** Kills the process (and its token issuer) and removes its temporary folder. */
  stop(): Promise<void>;
}

/** Options of startRegistry. */
export interface StartRegistryOptions {
  /** Token flavour: lifetime of issued tokens in seconds (default 300). */
  tokenExpiresIn?: number;
}

/** The `auth` section for `flavour`, writing the htpasswd file or starting the token issuer. */
async function authSection(
  flavour: RegistryFlavour,
  dir: string,
  options: StartRegistryOptions,
): Promise<{ auth?: Record<string, unknown>; issuer?: TokenIssuer }> {
  switch (flavour) {
    case 'open':
      return {};
    case 'basic': {
      const path = join(dir, 'htpasswd');
      const entries = await Promise.all(
        Object.entries(TEST_USERS).map(([user, password]) =>
          run('htpasswd', ['-Bbn', user, password]),
        ),
      );
      await writeFile(path, entries.map((entry) => entry.toString().trim()).join('\n'));
      return { auth: { htpasswd: { realm: 'regql-test', path } } };
    }
    case 'token': {
      const issuer = await startTokenIssuer({
        dir,
        service: TOKEN_SERVICE,
        users: TEST_USERS,
        expiresIn: options.tokenExpiresIn,
      });
      const token = {
        realm: issuer.realm,
        service: TOKEN_SERVICE,
        issuer: TOKEN_ISSUER,
        rootcertbundle: issuer.certificatePath,
      };
      return { auth: { token }, issuer };
    }
  }
}

/** Starts a real `docker-registry` of the given flavour on a free loopback port with fresh storage. */
export async function startRegistry(
  flavour: RegistryFlavour,
  options: StartRegistryOptions = {},
): Promise<RunningRegistry> {
  let issuer: TokenIssuer | undefined;
  const registry = await startLocalRegistry(`regql-registry-${flavour}-`, async (dir) => {
    const section = await authSection(flavour, dir, options);
    issuer = section.issuer;
    return { config: section.auth && { auth: section.auth }, stop: async () => issuer?.stop() };
  });
  const info: RegistryInfo = {
    flavour,
    url: registry.url,
    host: registry.host,
    storageDir: registry.storageDir,
    users: flavour === 'open' ? {} : { ...TEST_USERS },
    ...(issuer && { tokenRealm: issuer.realm, service: TOKEN_SERVICE }),
  };
  return { info, stop: registry.stop };
}
