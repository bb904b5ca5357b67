// Commitment throughput of one lab node end to end vs raw gossipsub of the same bytes; invalid-message rejection rate of the ingest path.
// Implementation: lib/throughput.mjs. Run alone: node scripts/bench/throughput.mjs [--quick]   (build first: npx tsc -b)
import '../../packages/node/dist/polyfill.js';
import os from 'node:os';
import { run as measure } from './lib/throughput.mjs';

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
