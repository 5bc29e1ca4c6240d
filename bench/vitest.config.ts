// The bench's own unit tests (FLOP counter, fit, peer harness smoke test): `npx vitest run -c bench/vitest.config.ts`.
// No timing here: the bench itself is `npm run bench`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['bench/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 120_000,
  },
});
