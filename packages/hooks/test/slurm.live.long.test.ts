/**
 * `npm run test:long`: the whole live Slurm file (slurm.live.test.ts, real cluster from scripts/slurm/start.sh)
 * 20 times in a row, each run a fresh vitest process exactly as `npm test` runs it. A timing window in the
 * adapter (or a flaky test) shows up here as a failed run; docs/slurm.md records the last result.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const RUNS = 20;
const root = fileURLToPath(new URL('../../..', import.meta.url));

function runLiveFile(): Promise<{ code: number; output: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        'node_modules/vitest/vitest.mjs',
        'run',
        '--config',
        'configs/vitest.config.ts',
        'packages/hooks/test/slurm.live.test.ts',
      ],
      { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: '1' } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, output: `${stdout}\n${stderr}`, ms: Date.now() - t0 });
      },
    );
  });
}

describe(`live Slurm file, ${RUNS} runs in a row`, () => {
  for (let i = 1; i <= RUNS; i++) {
    it(`run ${i} of ${RUNS}`, async () => {
      const r = await runLiveFile();
      const plain = r.output.replace(/\x1b\[[0-9;]*m/g, ''); // without vitest's colour codes
      const summary = /Tests\s+.*$/m.exec(plain)?.[0] ?? '(no summary)';
      console.log(`slurm live run ${i}/${RUNS}: exit ${r.code} in ${Math.round(r.ms / 1000)} s: ${summary}`);
      expect(r.code, `run ${i} failed:\n${r.output.slice(-6000)}`).toBe(0);
    });
  }
});
