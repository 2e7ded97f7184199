import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { run } from './exec.js';

/** Programs the integration harness runs. */
const TOOLS = ['docker-registry', 'skopeo', 'umoci', 'htpasswd', 'openssl'];

/** Debian packages that provide TOOLS. */
const PACKAGES = ['docker-registry', 'skopeo', 'umoci', 'apache2-utils', 'openssl'];

/** The command that installs every tool the harness needs. */
export const INSTALL_COMMAND = `DEBIAN_FRONTEND=noninteractive apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${PACKAGES.join(' ')}`;

/** True when an executable named `tool` is in a PATH folder. */
function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Tools from TOOLS that are not on PATH. */
function missingTools(): string[] {
  return TOOLS.filter((tool) => !onPath(tool));
}

/** Makes sure every tool is installed: installs them with apt-get when root, else throws how to. */
export async function ensureTools(): Promise<void> {
  const missing = missingTools();
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Integration tests need ${missing.join(', ')} on PATH. Install them as root with:\n  ${INSTALL_COMMAND}`,
    );
  }
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env });
  await run('apt-get', ['install', '-y', ...PACKAGES], { env });
  const stillMissing = missingTools();
  if (stillMissing.length > 0) {
    throw new Error(`apt-get install did not provide ${stillMissing.join(', ')}`);
  }
}
