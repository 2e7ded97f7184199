import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, describeSettings, loadConfig } from './config.js';
import { startServer } from './server.js';

/** `regql --help`: what regql is, how to run it, and every setting. */
function help(): string {
  const settings = describeSettings()
    .map(({ name, defaultValue, description }) => {
      const fallback = defaultValue === undefined ? '' : ` (default: ${defaultValue})`;
      return `  ${name}${fallback}\n      ${description}`;
    })
    .join('\n');
  return `regql — a GraphQL gateway over the Docker Registry HTTP API V2 / OCI Distribution API

Usage: regql [--config FILE]

Settings come from environment variables, and optionally from a JSON file of the same names
(--config FILE, e.g. {"REGISTRY_URL": "https://registry.example.com"}); the environment wins.
GraphQL and GraphiQL are served at /graphql; /health, /ready and /metrics beside it.

Settings:
${settings}
`;
}

/** The settings from `--config FILE`, as strings like the environment's. */
function fileSettings(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`--config ${file}: ${(error as Error).message}`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`--config ${file}: must be a JSON object`]);
  }
  return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]));
}

/** Serves the gateway until SIGINT or SIGTERM, then shuts down gracefully. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { help: { type: 'boolean', short: 'h' }, config: { type: 'string' } },
  });
  if (values.help) {
    process.stdout.write(help());
    return;
  }
  const fromFile = values.config ? fileSettings(values.config) : {};
  const config = loadConfig({ ...fromFile, ...process.env });
  const server = await startServer(config);
  server.gateway.logger.info(
    { url: `${server.url}/graphql`, registry: config.registryUrl, readOnly: config.readOnly },
    'listening',
  );
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
