import { defineConfig } from 'vitest/config';
import { sharedTest } from './vitest.shared.js';

// `npm run test:unit`: the fast tiers for the inner loop (build first: npx tsc -b). Everything of
// `npm test` except what starts node processes, networks over sockets or a browser, or needs minutes:
// e2e folders, the multi-process scenarios, the CLI (it runs the built binary), the live Slurm tests,
// and zk's circuit rebuild, ceremony and in-browser checks.
export default defineConfig({
  test: {
    ...sharedTest,
    root: new URL('..', import.meta.url).pathname,
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: [
      '**/node_modules/**',
      '**/dist/**',
      '**/*.long.test.ts',
      '**/e2e/**',
      'test/scenarios/**',
      'packages/cli/test/**',
      'packages/hooks/test/slurm.live*.test.ts',
      'packages/zk/test/artifacts.test.ts',
      'packages/zk/test/ceremony.test.ts',
      'packages/zk/test/browser.test.ts',
    ],
  },
});
