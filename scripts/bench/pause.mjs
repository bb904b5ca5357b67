// Pause latency (4, 8, 16 labs as processes) vs its floor measured in the same run, pause latency under an invalid flood, idle RSS of a lab node with 16 peers.
// Implementation: lib/pause.mjs. Run alone: node scripts/bench/pause.mjs [--quick]   (build first: npx tsc -b)
import '../../packages/node/dist/polyfill.js';
import os from 'node:os';
import { run as measure } from './lib/pause.mjs';

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
