import { defineConfig } from 'vitest/config';

// `npm run test:long`: bigger scenarios and long fuzzing (not part of `npm test`).
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['packages/*/test/**/*.long.test.ts', 'test/**/*.long.test.ts'],
    setupFiles: ['configs/vitest.setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    passWithNoTests: false,
  },
});
