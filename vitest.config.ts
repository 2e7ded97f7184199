import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// graphql 16 ships CJS (main) and ESM (module) builds. Node loads the CJS one for dependencies
// such as graphql-yoga, while Vite would hand our sources the ESM one: two GraphQLError classes,
// and `instanceof` checks across them fail. Resolve our imports to the same file Node uses.
const graphql = createRequire(import.meta.url).resolve('graphql');

/** Settings of a project that runs against seeded test registries (started for each project). */
const withRegistries = {
  globalSetup: ['test/harness/global-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 180_000,
};

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphql }] },
  test: {
    // the default output, and where a run that hangs past every timeout is stuck
    reporters: ['default', './test/harness/stall-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          ...withRegistries,
        },
      },
      {
        extends: true,
        // registries of its own: the integration tests' writes would show in GraphiQL's results
        test: { name: 'browser', include: ['test/browser/**/*.test.ts'], ...withRegistries },
      },
    ],
  },
});
