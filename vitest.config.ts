import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One moto_server for the whole run; files that use it take turns (test/support/moto-env.ts).
    globalSetup: ['test/support/moto-global-setup.ts'],
    // Most tests wait on the processes they spawn: two files at a time keep two cores busy.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
