import { ensureTools as ensure } from '../../src/demo/tools.js';

/** Programs the integration harness runs, each with the Debian package that provides it. */
const TOOLS = {
  'docker-registry': 'docker-registry',
  skopeo: 'skopeo',
  umoci: 'umoci',
  htpasswd: 'apache2-utils',
  openssl: 'openssl',
};

/** Makes sure every tool is installed: installs them with apt-get when root, else throws how to. */
export function ensureTools(): Promise<void> {
  return ensure(TOOLS, 'the integration tests');
}
