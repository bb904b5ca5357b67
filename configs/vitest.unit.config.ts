import { defineConfig } from 'vitest/config';
import { sharedTest } from './vitest.shared.js';

// `npm run test:unit`: the fast tiers for the inner loop (build first: npx tsc -b). Everything of
// `npm test` except what starts nodes (in this process over TCP, or as processes), kills processes
// mid-way, opens a browser or needs minutes: e2e folders and files, the crash tests of the agreement and
// the hook runner, the multi-process scenarios, the CLI (it runs the built binary), the live Slurm
// tests, and zk's circuit rebuild, ceremony and in-browser checks. What stays may use a loopback HTTP
// server on port 0 (webhook hooks) or a short helper process (the store's lock held by another process).
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
      '**/*.e2e.test.ts',
      '**/*.crash.test.ts',
      'packages/hooks/test/crash-restart.test.ts',
      'test/scenarios/**',
      'packages/cli/test/**',
      'packages/hooks/test/slurm.live*.test.ts',
      'packages/zk/test/artifacts.test.ts',
      'packages/zk/test/ceremony.test.ts',
      'packages/zk/test/browser.test.ts',
    ],
  },
});
