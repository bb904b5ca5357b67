// Wide-area pause latency (4, 8, 16 labs placed in cloud regions, delays emulated in user space) vs the
// physical floor for the same origins. Implementation: lib/wan.mjs.
// Run alone: node scripts/bench/wan.mjs [--quick]   (build first: npx tsc -b)
import '../../packages/node/dist/polyfill.js';
import os from 'node:os';
import { run as measure } from './lib/wan.mjs';

/** Benchmark module entry point (scripts/bench/run.mjs); records the machine's load around the run. */
export async function run(opts = {}) {
  const loadStart = os.loadavg()[0];
  const result = await measure(opts);
  return { ...result, loadavg1m: { start: loadStart, end: os.loadavg()[0] } };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.find((a) => a.startsWith('--sizes='));
  const runs = process.argv.find((a) => a.startsWith('--runs='));
  console.log(
    JSON.stringify(
      await run({
        ...(sizes ? { wanSizes: sizes.slice(8).split(',').map(Number) } : {}),
        ...(runs ? { wanRuns: Number(runs.slice(7)) } : {}),
      }),
    ),
  );
  process.exit(process.exitCode ?? 0);
}
