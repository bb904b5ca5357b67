// Catch-up: a fresh node syncs 100k real signed commitments from one peer (tmpfs, bounded) and the same path on the real disk (bounded).
// Implementation: lib/catchup.mjs. Run alone: node scripts/bench/catchup.mjs [--quick]   (build first: npx tsc -b)
import '../../packages/node/dist/polyfill.js';
import os from 'node:os';
import { run as measure } from './lib/catchup.mjs';

/** Benchmark module entry point (scripts/bench/run.mjs); records the machine's load around the run. */
export async function run(opts = {}) {
  const loadStart = os.loadavg()[0];
  const result = await measure(opts);
  return { ...result, loadavg1m: { start: loadStart, end: os.loadavg()[0] } };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await run()));
  process.exit(process.exitCode ?? 0);
}
