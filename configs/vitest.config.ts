import { defineConfig } from 'vitest/config';
import { sharedTest } from './vitest.shared.js';

// `npm test`: unit + e2e + small scenarios. Heavy runs live in vitest.long.config.ts, the fast tiers in
// vitest.unit.config.ts.
export default defineConfig({
  test: {
    ...sharedTest,
    root: new URL('..', import.meta.url).pathname,
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.long.test.ts'],
  },
});
