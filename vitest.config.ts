import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: suites start real nodes, databases and child processes.
    maxWorkers: 2,
    reporters: ['default', './test/reporters/summary-line.ts'],
  },
});
