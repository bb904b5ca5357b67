import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { DEFAULT_CLOCK_SKEW_MS, epochAt, missedAfter } from '@pausenet/protocol';
import { type HarnessNode, sleep, waitFor } from '@pausenet/testkit/cluster';
import { describe, expect, it } from 'vitest';
import { normalMetrics } from '../harness/driver.js';
import { Session } from '../harness/session.js';

// Breach identity, resumes that name what they resolve, re-assert on start and first-seen lateness
// (docs/protocol.md), each as real node processes over real libp2p: 4 labs (t = 3) + 1 observer, BLS
// shares from the trusted testDealer (no DKG). One cluster at a time (2-core CI budget).
const TIMEOUT = 600_000;

interface CommitmentView {
  lab: string;
  epoch: number;
  issuedAt: number;
  hash: string;
  firstSeenAt: number;
  lateness: 'on-time' | 'late' | 'not-judged';
}

async function run(s: Session, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    await s.close(err);
    throw err;
  }
  await s.close();
}

/** Wait until the `sentinel` (file) hook of every lab reports (height, action) ok. */
async function waitSentinelHook(s: Session, labs: HarnessNode[], height: number, action: string) {
  await waitFor(
    `the sentinel hook ${action} at ${height} on every lab`,
    async () => {
      const ss = await Promise.all(labs.map((l) => s.cluster.status(l)));
      return ss.every((x) =>
        x.hooks.some(
          (h) => h.hook === 'sentinel' && h.height === height && h.action === action && h.status === 'ok',
        ),
      )
        ? true
        : undefined;
    },
    { timeoutMs: s.cluster.stepMs },
  );
}

/** Every node in `nodes` is RUNNING/PAUSED at `height`, with no vote pending for a later height. */
async function expectSettled(s: Session, nodes: HarnessNode[], height: number, state: string) {
  for (const n of nodes) {
    const st = await s.cluster.status(n);
    expect([n.id, st.state, st.height]).toEqual([n.id, state, height]);
    expect(st.pendingVotes, `${n.id} has a pending vote`).toEqual([]);
  }
}

describe('breaches across a pause and a resume (4 labs t=3 + 1 observer as processes, testDealer keys)', () => {
  it(
    'a lab offline during pause -> resume rejoins and syncs the over-cap commitment, then a member re-signs that evidence with a fresh issuedAt: RUNNING at 2 stays, no vote, no hook runs again',
    async () => {
      const s = await Session.create('rejoin', { labs: 4, observers: 1, threshold: 3 });
      await run(s, async () => {
        const [a, b, c, d] = s.cluster.labs as [HarnessNode, HarnessNode, HarnessNode, HarnessNode];
        const obs = s.cluster.observers[0] as HarnessNode;
        const online = [a, b, c];
        await s.start([a, b, c, obs]);
        await s.commit(a);
        await s.commit(c);
        await s.commit(b, 'breach');
        await s.cluster.waitHooks(online, 1, 'halt');
        await s.cluster.waitHeight([...online, obs], 1, 'PAUSED');
        s.note('PAUSED at 1 without lab-d');
        const [first] = await s.approve(online, { height: 2, target: 'RUNNING' });
        expect(first).toMatchObject({ signed: true, source: 'open-breaches', leftOpen: 0 });
        await s.cluster.waitHooks(online, 2, 'resume');
        await s.cluster.waitHeight([...online, obs], 2, 'RUNNING');
        const before = await s.hookLogs(online);
        s.note('RUNNING at 2; lab-d starts now');

        await s.cluster.start(d);
        await s.cluster.waitConnected([a, b, c, d]);
        await s.cluster.waitHeight([d], 2, 'RUNNING');
        const want = (await s.cluster.api<CommitmentView[]>(a, 'GET', '/v1/commitments')).map((x) => x.hash);
        await waitFor(
          'lab-d to sync every commitment (the over-cap one included)',
          async () => {
            const got = (await s.cluster.api<CommitmentView[]>(d, 'GET', '/v1/commitments')).map(
              (x) => x.hash,
            );
            return want.every((h) => got.includes(h)) ? true : undefined;
          },
          { timeoutMs: s.cluster.stepMs },
        );
        await sleep(4_000);
        await expectSettled(s, s.cluster.nodes, 2, 'RUNNING');
        expect(await s.hookLogs(online)).toEqual(before);
        s.note('lab-d synced; 4 s later everyone is still RUNNING at 2, no vote pending, no hook ran again');

        // A member re-signs the resolved breach's evidence with a fresh issuedAt (a new message hash).
        const adv = await s.startAdversary();
        const resigned = await adv.resignEvidence('lab-c', (x) => s.note(x));
        expect(resigned.length).toBeGreaterThan(0);
        await sleep(4_000);
        await expectSettled(s, s.cluster.nodes, 2, 'RUNNING');
        expect(await s.hookLogs(online)).toEqual(before);
        for (const n of s.cluster.nodes) {
          const st = await s.cluster.status(n);
          expect(st.breaches).toMatchObject({ openCount: 0 });
          expect(st.breaches.resolvedCount).toBeGreaterThanOrEqual(1);
        }
        s.note('re-signed evidence changed nothing: RUNNING at 2, no vote, no hook ran again');
        const report = await s.finish();
        expect(report.ok, report.text).toBe(true);
      });
    },
    TIMEOUT,
  );

  it(
    'a breach proven while PAUSED (lab-d commits 9e25 FLOP) is paused again after a resume that does not name it, not after one that does; a lab restarted while PAUSED with its sentinel deleted has it back before it reports ready',
    async () => {
      const s = await Session.create('paused-breach', {
        labs: 4,
        observers: 1,
        threshold: 3,
        fileHook: true,
      });
      await run(s, async () => {
        const [a, b, c, d] = s.cluster.labs as [HarnessNode, HarnessNode, HarnessNode, HarnessNode];
        const labs = [a, b, c, d];
        await s.start();
        await s.commit(a);
        await s.commit(c);
        await s.commit(b, 'breach');
        await waitSentinelHook(s, labs, 1, 'halt');
        await s.cluster.waitHeight(s.cluster.nodes, 1, 'PAUSED');
        for (const l of labs) expect(existsSync(l.sentinel), `${l.id} sentinel`).toBe(true);

        // During the pause lab-d reports a 9e25 FLOP run: a second breach, held open while PAUSED.
        await s.commit(d, { ...normalMetrics(d.index), largestRunFlop: '90000000000000000000000000' });
        await waitFor(
          'the breach proven while PAUSED to reach every node',
          async () => {
            const ss = await Promise.all(s.cluster.nodes.map((n) => s.cluster.status(n)));
            return ss.every((x) => x.breaches.openCount === 2) ? true : undefined;
          },
          { timeoutMs: s.cluster.stepMs },
        );
        const open = (await s.cluster.status(a)).breaches.open;
        const first = open.find((x) => x.lab === 'lab-b')?.id as string;
        const second = open.find((x) => x.lab === 'lab-d')?.id as string;
        expect([first, second].every((x) => /^[0-9a-f]{64}$/.test(x))).toBe(true);

        // Restart lab-a while PAUSED, its sentinel deleted (as RuntimeDirectory= does when the service stops).
        await s.cluster.stop(a);
        await rm(a.sentinel, { force: true });
        await s.cluster.start(a);
        const ready = await waitFor(
          'lab-a to report ready',
          async () => {
            const h = await s.cluster.health(a);
            // Observed at the first 200: the sentinel must already be back.
            return h.code === 200 ? { ...h, sentinel: existsSync(a.sentinel) } : undefined;
          },
          { timeoutMs: s.cluster.stepMs, everyMs: 50 },
        );
        expect(ready).toMatchObject({ code: 200, sentinel: true });
        const hooks = (await s.cluster.status(a)).hooks.filter((h) => h.height === 1);
        expect(hooks.map((h) => [h.hook, h.status, h.reasserts]).sort()).toEqual([
          ['cluster-log', 'ok', 1],
          ['sentinel', 'ok', 1],
        ]);
        s.note('lab-a restarted while PAUSED: sentinel back, halt re-asserted, then ready');
        await s.cluster.waitConnected(labs);

        // The operators resume naming only the first breach: the second is still open -> paused at 3.
        const answers = await s.approve([a, b, c], { height: 2, target: 'RUNNING', breaches: [first] });
        for (const x of answers) expect(x).toMatchObject({ signed: true, leftOpen: 1 });
        await s.cluster.waitHooks(labs, 3, 'halt');
        await waitSentinelHook(s, labs, 3, 'halt');
        await s.cluster.waitHeight(s.cluster.nodes, 3, 'PAUSED');
        for (const l of labs) expect(existsSync(l.sentinel), `${l.id} sentinel at 3`).toBe(true);
        s.note('the breach the resume did not name paused the network again at height 3');

        // This time the default names what is open: the second breach. RUNNING at 4, and it stays.
        const again = await s.approve([a, b, c], { height: 4, target: 'RUNNING' });
        // (lab-a's vote may not have reached the others yet: they either adopt it or find the same open set)
        for (const x of again)
          expect(x).toMatchObject({ signed: true, breaches: [{ id: second }], leftOpen: 0 });
        await s.cluster.waitHooks(labs, 4, 'resume');
        await waitSentinelHook(s, labs, 4, 'resume');
        await s.cluster.waitHeight(s.cluster.nodes, 4, 'RUNNING');
        await sleep(3_000);
        await expectSettled(s, s.cluster.nodes, 4, 'RUNNING');
        for (const l of labs) expect(existsSync(l.sentinel), `${l.id} sentinel at 4`).toBe(false);
        const report = await s.finish();
        expect(report.ok, report.text).toBe(true);
      });
    },
    TIMEOUT,
  );

  it(
    'a back-dated commitment planted via sync after its deadline is shown late (firstSeenAt), and missed evidence for it is valid; a node that was down at the deadline does not judge it',
    async () => {
      const s = await Session.create('backdated', {
        labs: 4,
        observers: 1,
        threshold: 3,
        policy: { epochMs: 4_000, deadlineMs: 500, graceMs: 500 },
      });
      await run(s, async () => {
        const [a, b, c, d] = s.cluster.labs as [HarnessNode, HarnessNode, HarnessNode, HarnessNode];
        const obs = s.cluster.observers[0] as HarnessNode;
        const labs = [a, b, c, d];
        await s.start(labs);
        const policy = s.cluster.genesis.policy;
        // lab-d commits nothing for epoch e; every lab is up when its deadline passes.
        const e = epochAt(policy, Date.now()) + 1;
        const due = missedAfter(policy, e) + DEFAULT_CLOCK_SKEW_MS;
        for (const l of [a, b, c]) await s.commit(l);
        s.note(
          `waiting for epoch ${e}'s deadline + grace + clock skew to pass (${Math.round((due - Date.now()) / 1000)} s)`,
        );
        await sleep(Math.max(0, due - Date.now()) + 1_500);

        const adv = await s.startAdversary();
        const planted = await adv.plantBackdated('lab-d', e, (x) => s.note(x));
        expect(planted.commitment.issuedAt).toBeLessThan(missedAfter(policy, e)); // it claims to be on time
        const viewOf = async (n: HarnessNode) =>
          (await s.cluster.api<CommitmentView[]>(n, 'GET', '/v1/commitments?lab=lab-d'))[0];
        await waitFor(
          'every lab to fetch the planted commitment by sync',
          async () =>
            (await Promise.all(labs.map(viewOf))).every((v) => v !== undefined) ? true : undefined,
          { timeoutMs: s.cluster.stepMs },
        );
        for (const l of labs) {
          const v = (await viewOf(l)) as CommitmentView;
          expect(v.firstSeenAt, `${l.id} first saw it after the deadline`).toBeGreaterThan(due);
          expect([l.id, v.lateness]).toEqual([l.id, 'late']);
        }
        const st = await s.cluster.status(a);
        expect(st.labs.find((x) => x.id === 'lab-d')).toBeDefined();
        s.note('every lab shows the planted commitment as late (first seen after its deadline)');

        // lab-a files `missed` for it: the node accepts it (the commitment was late) and it is stored everywhere.
        const ev = await s.cluster.api<{ hash: string; breach: string }>(a, 'POST', '/v1/evidence', {
          kind: 'missed',
          lab: 'lab-d',
          epoch: e,
        });
        expect(ev.breach).toMatch(/^[0-9a-f]{64}$/);
        await waitFor(
          'the missed evidence on every lab',
          async () => {
            const all = await Promise.all(
              labs.map((l) => s.cluster.api<{ hash: string }[]>(l, 'GET', '/v1/evidence')),
            );
            return all.every((list) => list.some((x) => x.hash === ev.hash)) ? true : undefined;
          },
          { timeoutMs: s.cluster.stepMs },
        );
        // For a commitment that arrived in time the node refuses to call it missed.
        const onTime = (await s.cluster.api<CommitmentView[]>(b, 'GET', '/v1/commitments?lab=lab-b'))[0];
        expect(onTime?.lateness).toBe('on-time');
        await expect(
          s.cluster.api(a, 'POST', '/v1/evidence', { kind: 'missed', lab: 'lab-b', epoch: onTime?.epoch }),
        ).rejects.toThrow(/NOT_MISSED/);

        // The observer was down at every deadline: everything it syncs now is "not judged", never late.
        await s.cluster.start(obs);
        await waitFor(
          'the observer to sync lab-d',
          async () => ((await viewOf(obs)) !== undefined ? true : undefined),
          { timeoutMs: s.cluster.stepMs },
        );
        const seen = await s.cluster.api<CommitmentView[]>(obs, 'GET', '/v1/commitments');
        expect(seen.length).toBe(4);
        expect(seen.filter((x) => x.lateness === 'late')).toEqual([]);
        expect((await viewOf(obs))?.lateness).toBe('not-judged');
        const report = await s.finish();
        expect(report.ok, report.text).toBe(true);
      });
    },
    TIMEOUT,
  );
});
