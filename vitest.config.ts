import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Integration tests share one real Redis and spawn real processes; keep the
    // machine's two cores from being oversubscribed.
    maxWorkers: 2,
    testTimeout: 30_000,
    reporters: ['default', './tests/support/summary-reporter.ts'],
    hookTimeout: 30_000,
  },
});
