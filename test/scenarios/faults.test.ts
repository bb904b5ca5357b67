import { describe, expect, it } from 'vitest';
import { runManifest } from '../harness/driver.js';
import type { Manifest } from '../harness/manifest.js';

// 4 labs (t = 3) + 1 observer as real processes; BLS shares from the trusted testDealer (no DKG).
// One file so that only one cluster runs at a time (2-core CI budget).
const base = {
  labs: 4,
  observers: 1,
  threshold: 3,
  adversaries: [],
  perturbations: [],
} satisfies Partial<Manifest>;
const run = (m: Partial<Manifest> & { name: string }) => runManifest({ ...base, ...m });
const TIMEOUT = 600_000;

describe('fault scenarios (4 labs t=3 + 1 observer as processes, testDealer keys)', () => {
  it(
    'kill -9 a lab during the vote round, restart: pause and resume complete, invariants hold',
    async () => {
      const r = await run({
        name: 'kill-9',
        perturbations: [{ at: 200, kind: 'kill', target: 'lab-c', durationMs: 1_500 }],
      });
      expect(r.report.text).toContain('ALL HOLD');
      expect(r.report.ok).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'SIGSTOP a lab longer than an epoch, SIGCONT: it catches up (certificate + halt hook)',
    async () => {
      const r = await run({
        name: 'sigstop',
        policy: { epochMs: 3_000 },
        perturbations: [{ at: 0, kind: 'pause', target: 'lab-d', durationMs: 4_000 }],
      });
      expect(r.report.ok).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'partition {lab-a,lab-b} | {lab-c,lab-d,observer}: no certificate while split; heal: pause completes',
    async () => {
      const r = await run({
        name: 'partition-2-2',
        perturbations: [{ at: -1_000, kind: 'partition', target: ['lab-a', 'lab-b'], durationMs: 6_000 }],
      });
      const live = r.report.results.find((x) => x.name.startsWith('applied state'));
      expect(live?.detail).toMatch(/ [1-5] live checks/);
      expect(r.report.ok).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'clock skew +2 min on one lab during the pause: the others pause, it follows the certificate',
    async () => {
      const r = await run({
        name: 'clock-skew',
        perturbations: [
          { at: -500, kind: 'clock-skew', target: 'lab-d', skewMs: 120_000, durationMs: 3_000 },
        ],
      });
      expect(r.report.ok).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'adversaries: flood (forged sigs, malformed/oversized CBOR, replays, wrong-height votes, bad partials, forged certificate) + equivocating member + double-voting member + observer on member topics: nothing forged stored, pause completes, nodes alive',
    async () => {
      const r = await run({
        name: 'adversary',
        adversaries: [
          { kind: 'flood', ratePerSec: 2_000, durationMs: 8_000 },
          { kind: 'equivocate', lab: 'lab-c' },
          { kind: 'double-vote', lab: 'lab-d' },
          { kind: 'observer-publish' },
        ],
      });
      const sent = Object.values(r.adversary?.sent ?? {}).reduce((a, b) => a + b, 0);
      expect(sent).toBeGreaterThan(100);
      expect(r.verdicts.reject).toBeGreaterThan(0);
      expect(r.report.ok).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'admission control: 50 silent sockets per node from 5 IPs while a lab restarts: newcomers and the lab get in, pause completes; forged certificates from fresh peer ids: a few pairings per id; Sybil peer ids announcing a third party address: not remembered, never dialled; a sync liar (evidenceCount 2^53-1, forged pages): stopped at the first page, banned, few log lines; pause completes',
    async () => {
      const r = await run({
        name: 'admission',
        // a lab restarts while 50 silent sockets per node are held: it must still get back in
        perturbations: [{ at: -2_000, kind: 'restart', target: 'lab-c', durationMs: 500 }],
        stepTimeoutMs: 120_000,
        adversaries: [
          { kind: 'slowloris', socketsPerNode: 50, sources: 5, durationMs: 90_000 },
          // the liar first: Sybil crowds make the periodic round robin reach it less often
          { kind: 'sync-liar', durationMs: 40_000 },
          { kind: 'cert-flood', ids: 10, perId: 200 },
          { kind: 'sybils', count: 60, watchMs: 4_000, delayMs: 9_000 },
        ],
      });
      const a = r.adversary?.admission ?? {};
      // slowloris: newcomers from a member's IP and from another IP get in; the restarted lab rejoined and
      // every node applied the pause while the sockets were held
      expect(a.slowlorisOpened).toBeGreaterThan(250);
      for (const [from, [ok, total]] of Object.entries(a.probesUnderSlowloris ?? {}))
        expect(ok, `newcomer dials from ${from} while slowloris holds`).toBe(total);
      expect(a.heightsUnderSlowloris).toBeDefined();
      expect(a.pausedUnderSlowloris).toBe(true);
      // forged certificates from fresh peer ids: each id buys at most its small burst of pairings
      expect(a.certFloodIds).toBeGreaterThanOrEqual(5);
      for (const [node, pairings] of Object.entries(a.certPairings ?? {}))
        expect(pairings, `${node} pairings on forged certificates`).toBeLessThanOrEqual(
          10 * (a.certFloodIds ?? 0),
        );
      // sync: stop at the first invalid item; a forged signature bans at once; one log line per code per 10 s
      for (const [node, pages] of Object.entries(a.liarPages ?? {}))
        expect(pages, `${node} evidence pages fetched from the liar`).toBeLessThanOrEqual(3);
      expect(a.liarBannedBy?.sort()).toEqual(['lab-a', 'lab-b', 'lab-c', 'lab-d', 'observer-1']);
      // one line per 10 s window at most, while the liar runs (it stops once banned everywhere)
      for (const [node, lines] of Object.entries(a.syncRejectLogLines ?? {}))
        expect(lines, `${node} 'message rejected' lines about sync`).toBeLessThanOrEqual(5);
      expect(a.sybilsConnected).toBeGreaterThan(20);
      // only members and useful peers (the observer, the adversary's relaying router) are remembered;
      // a peer's claimed address is never dialled
      expect(a.victimConnects).toBe(0);
      expect(a.sybilRows).toBe(0);
      for (const [node, rows] of Object.entries(a.peerRows ?? {}))
        expect(rows, `${node} peers rows`).toBeLessThanOrEqual(5);
      expect(r.report.ok).toBe(true);
    },
    TIMEOUT,
  );
});
