import { defineConfig } from 'vitest/config';
import { sharedTest } from './vitest.shared.js';

// `npm run test:long`: bigger scenarios and long fuzzing (not part of `npm test`).
export default defineConfig({
  test: {
    ...sharedTest,
    root: new URL('..', import.meta.url).pathname,
    include: ['packages/*/test/**/*.long.test.ts', 'test/**/*.long.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    passWithNoTests: false,
  },
});
