import { configDefaults, defineConfig } from 'vitest/config';

/**
 * `npm run test:unit`: the tests that run in the test process alone. They spawn no CLI and no
 * other process, need no moto and no dist/, and take seconds. Everything else is integration.
 */
export const UNIT_TESTS = [
  'test/engine/**/*.test.ts',
  'test/edn/**/*.test.ts',
  'test/core-steps/catalog.test.ts',
  'test/core-steps/command-line.test.ts',
  'test/core-steps/json-syntax.test.ts',
  'test/core-steps/simple-steps.test.ts',
  'test/datomic/clojure-program.test.ts',
  'test/durable/journal-write-failure.test.ts',
  'test/errors-doc.test.ts',
  'test/unit-project.test.ts',
  'test/suite-setup.test.ts',
];

export default defineConfig({
  test: {
    // Most integration tests wait on the processes they spawn: two files at a time keep two cores busy.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: UNIT_TESTS },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT_TESTS],
          // dist/ built once for the whole run, then one moto_server that files using it take turns on (test/support/moto-env.ts).
          globalSetup: ['test/support/dist-global-setup.ts', 'test/support/moto-global-setup.ts'],
        },
      },
    ],
  },
});
