import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Store tests share one PostgreSQL database; each suite uses its own schema, but keep
    // file-level parallelism modest on 2-core machines.
    maxWorkers: 2,
  },
});
