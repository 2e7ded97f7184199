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

Options:
  --config FILE   read settings from a JSON file too
  -h, --help      print this help and exit
  --version       print regql's version and exit

Settings come from environment variables, and optionally from a JSON file of the same names
(--config FILE, e.g. {"REGISTRY_URL": "https://registry.example.com"}); the environment wins.
GraphQL and GraphiQL are served at /graphql; /health, /ready and /metrics beside it.

Settings:
${settings}
`;
}

/** regql's version, from the package.json beside `src/` (and beside `dist/` in the image). */
function version(): string {
  const manifest = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

/** The command line's options; a ConfigError naming the first one not understood. */
function options(): { help?: boolean; version?: boolean; config?: string } {
  try {
    return parseArgs({
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        config: { type: 'string' },
      },
    }).values;
  } catch (error) {
    // Node's message, e.g. "Unknown option '--verbose'", up to its advice about positionals
    const [what] = (error as Error).message.split('. ');
    throw new ConfigError([`${what}; regql --help lists the options`]);
  }
}

/** Serves the gateway until SIGINT or SIGTERM, then shuts down gracefully. */
async function main(): Promise<void> {
  const values = options();
  if (values.help) {
    process.stdout.write(help());
    return;
  }
  if (values.version) {
    process.stdout.write(`regql ${version()}\n`);
    return;
  }
  const config = loadConfig(process.env, values.config);
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

// a mistake in the settings, the command line or the port: one line per problem, exit code 2;
// anything else is unexpected: its stack, exit code 1
main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.problems.join('\n')}\n`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
