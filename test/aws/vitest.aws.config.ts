import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

/**
 * The AWS tests alone, with the moto global setup: `npx vitest run --config test/aws/vitest.aws.config.ts`.
 * Spread rather than mergeConfig, which would append to the base `include` instead of replacing it.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/aws/**/*.test.ts'],
    globalSetup: ['test/support/moto-global-setup.ts'],
  },
});
