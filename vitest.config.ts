import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'adapters/**/*.test.ts', 'test/**/*.test.ts'],
    // Processes the tests start run the compiled app, as production does: build it first (test/support/build-app.ts).
    globalSetup: ['./test/support/build-app.ts'],
    // Integration tests share one Postgres and one Redis; each file makes its own database and queue prefix,
    // so files may run in parallel, but a 2-core machine gains little from more than two at once.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
