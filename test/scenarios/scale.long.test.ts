import { describe, expect, it } from 'vitest';
import { runManifest } from '../harness/driver.js';

// `npm run test:long`: bigger clusters as processes (testDealer keys, not the DKG).
const TIMEOUT = 1_800_000;

describe('scale scenarios (processes, testDealer keys)', () => {
  it(
    '8 labs t=6 + 2 observers: kill -9, SIGSTOP > epoch, SIGTERM restart and a 3|5 partition with no t side, plus a flood',
    async () => {
      const r = await runManifest({
        name: 'scale-8',
        labs: 8,
        observers: 2,
        threshold: 6,
        policy: { epochMs: 5_000 },
        perturbations: [
          { at: -1_000, kind: 'partition', target: ['lab-a', 'lab-b', 'lab-c'], durationMs: 8_000 },
          { at: 10_000, kind: 'kill', target: 'lab-d', durationMs: 2_000 },
          { at: 10_500, kind: 'pause', target: 'lab-h', durationMs: 7_000 },
          { at: 11_000, kind: 'restart', target: 'observer-2', durationMs: 1_000 },
        ],
        adversaries: [
          { kind: 'flood', ratePerSec: 500, durationMs: 6_000 },
          { kind: 'double-vote', lab: 'lab-g' },
        ],
      });
      expect(r.report.ok).toBe(true);
    },
    TIMEOUT,
  );
});
