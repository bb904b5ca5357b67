import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * What every vitest config of the repo shares: the Promise.withResolvers polyfill (Node 20 lacks it and
 * libp2p calls it) as a setup file, forked workers, 2 at most (the box has 2 cores) and timeouts generous
 * enough for a loaded machine.
 */
export const sharedTest = {
  setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
  pool: 'forks' as const,
  maxWorkers: 2,
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

/**
 * The config of one package's (or test/'s) own tests, so they run from its folder: `cd packages/x &&
 * npx vitest run`. `configUrl` is the config file's import.meta.url; the tests are its folder's test/ tree
 * (`tests`: another glob), long tests excluded (`PAUSENET_LONG=1 npx vitest run <file>` runs one).
 */
export function packageConfig(configUrl: string, tests = 'test/**/*.test.ts') {
  const long = process.env['PAUSENET_LONG'] === '1';
  return defineConfig({
    test: {
      ...sharedTest,
      root: dirname(fileURLToPath(configUrl)),
      include: [tests],
      exclude: ['**/node_modules/**', '**/dist/**', ...(long ? [] : ['**/*.long.test.ts'])],
      ...(long ? { testTimeout: 600_000, hookTimeout: 120_000 } : {}),
    },
  });
}
