import type { HarnessNode } from '@pausenet/testkit/cluster';
import { describe, expect, it } from 'vitest';
import { Session } from '../harness/session.js';

// Graded levels (docs/protocol.md "Levels") as real node processes over real libp2p: 4 labs (t = 3) + 1
// observer, BLS shares from the trusted testDealer (no DKG). The genesis policy maps cap-exceeded to REDUCED
// and equivocation to PAUSED, so one network passes through REDUCED@1, escalates to PAUSED@1 at the same
// height (every member signs two statements at height 1) and resumes to RUNNING@2.
const TIMEOUT = 300_000;

describe('levels (4 labs t=3 + 1 observer as processes, testDealer keys)', () => {
  it(
    'cap-exceeded -> REDUCED@1 everywhere; an equivocation -> PAUSED@1 (escalation at the same height); approvals -> RUNNING@2; every invariant holds',
    async () => {
      const s = await Session.create('levels', {
        labs: 4,
        observers: 1,
        threshold: 3,
        policy: { levels: { kinds: { 'cap-exceeded': 'REDUCED', equivocation: 'PAUSED' } } },
      });
      try {
        const [a, b, c, d] = s.cluster.labs as [HarnessNode, HarnessNode, HarnessNode, HarnessNode];
        const all = s.cluster.nodes;
        await s.start();
        for (const l of [a, c, d]) await s.commit(l);
        const adversary = await s.startAdversary();

        await s.commit(b, 'breach');
        await s.cluster.waitHooks(s.cluster.labs, 1, 'reduce');
        await s.cluster.waitHeight(all, 1, 'REDUCED');
        s.note('REDUCED at 1 on every node');

        // lab-d's key signs a second commitment for the same epoch and seq: equivocation evidence.
        await adversary.run({ kind: 'equivocate', lab: d.id }, (x) => s.note(x));
        await s.cluster.waitHooks(s.cluster.labs, 1, 'halt');
        await s.cluster.waitHeight(all, 1, 'PAUSED');
        s.note('PAUSED at 1 on every node (escalation)');

        const [first] = await s.approve([a, b, c], { height: 2, target: 'RUNNING' });
        expect(first).toMatchObject({ signed: true, leftOpen: 0 });
        await s.cluster.waitHooks(s.cluster.labs, 2, 'resume');
        await s.cluster.waitHeight(all, 2, 'RUNNING');
        s.note('RUNNING at 2 on every node');

        const logs = await s.hookLogs();
        for (const l of s.cluster.labs)
          expect([l.id, logs.get(l.id)]).toEqual([l.id, 'reduce 1\nhalt 1\nresume 2\n']);

        const report = await s.finish();
        expect(report.ok, report.text).toBe(true);
        const signing = report.results.find((r) => r.name.startsWith('no member signed'));
        // Members that signed at height 1 signed REDUCED, then PAUSED there: more statements than (height,
        // voter) pairs, each allowed by the protocol's signing rule.
        const [, pairs, statements] =
          /(\d+) \(height, voter\) pairs, (\d+) statements/.exec(signing?.detail ?? '') ?? [];
        expect(Number(statements), signing?.detail).toBeGreaterThan(Number(pairs));
      } catch (err) {
        await s.close(err);
        throw err;
      }
      await s.close();
    },
    TIMEOUT,
  );
});
