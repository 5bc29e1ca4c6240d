import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['gpu/**/*.test.ts', 'bin/**/*.test.ts', 'app/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    // Dawn is a native addon: give each test file its own process.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
