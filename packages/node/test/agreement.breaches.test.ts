import {
  breachIdOf,
  checkCaps,
  type Evidence,
  epochAt,
  type SignedEvidence,
  signEvidence,
  toHex,
} from '@pausenet/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commitment, SimNet } from './helpers/agreement-net.js';
import type { TestLab } from './helpers/network.js';

const nets: SimNet[] = [];
afterEach(async () => {
  for (const n of nets.splice(0)) await n.stop();
});

async function net(opts: ConstructorParameters<typeof SimNet>[0] = {}): Promise<SimNet> {
  const n = new SimNet(opts);
  nets.push(n);
  return n.start();
}

function file(n: SimNet, reporter: TestLab, evidence: Evidence, issuedAt = Date.now()): SignedEvidence {
  return signEvidence(
    { networkId: n.networkId, evidence, reporter: reporter.id, issuedAt },
    reporter.secretKey,
  );
}

const labs = (n: SimNet) => n.labs as [TestLab, TestLab, TestLab, TestLab];
const heightsOf = (n: SimNet) => n.nodes.map((x) => x.agreement.status().height);

/** Pause on an over-cap commitment of lab-d, then resume with 3 approvals (default resolves). */
async function pauseAndResume(n: SimNet) {
  const [, , , d] = labs(n);
  const over = commitment(n.genesis, n.networkId, d, { metrics: { trainingFlop: 10n ** 27n } });
  await n.publish(4, 'commitment', over);
  await n.until(() => heightsOf(n).every((h) => h === 1), 'all PAUSED at 1');
  for (const id of [1, 2, 3]) {
    await n.node(id).agreement.approve(2, 'RUNNING');
    await n.settle();
  }
  await n.until(() => heightsOf(n).every((h) => h === 2), 'all RUNNING at 2');
  return over;
}

describe('breach identity in the agreement (4 members, t=3, loopback gossip, real stores and hooks)', () => {
  it('evidence re-signed with a fresh issuedAt over a resolved breach: no vote, no hook runs again; once per reporter is stored', async () => {
    const n = await net({ labs: 4, observers: 1 });
    const over = await pauseAndResume(n);
    const before = [1, 2, 3, 4].map((id) => n.hookLines(id));
    const ev = checkCaps(over, n.genesis.policy) as Evidence;
    const id = breachIdOf(ev);
    for (const x of n.nodes) expect(x.store.breaches.get(id)?.resolvedHeight).toBe(2);
    const filedBefore = new Set(
      n
        .node(5)
        .store.evidence.list()
        .map((r) => r.reporter),
    );
    // Every member re-signs the over-cap evidence with a fresh issuedAt and gossips it. A member that had
    // not filed this breach yet is stored (public record) and ignored by the machine (P_BREACH_RESOLVED);
    // one that had is not stored at all (DUPLICATE_BREACH).
    for (const lab of labs(n)) {
      const v = await n.publish(lab.index, 'evidence', file(n, lab, ev, Date.now() + 1));
      if (filedBefore.has(lab.id))
        expect(v).toMatchObject({ ok: false, action: 'ignore', code: 'DUPLICATE_BREACH' });
      else expect(v).toEqual({ ok: true });
    }
    expect(filedBefore.has(labs(n)[3].id)).toBe(true); // lab-d saw its own commitment first
    await n.settle();
    for (const x of n.nodes)
      expect(new Set(x.store.evidence.list().map((r) => r.reporter)).size).toBe(
        x.store.evidence.list().length,
      );
    await new Promise((r) => setTimeout(r, 200));
    await n.settle();
    expect(heightsOf(n)).toEqual([2, 2, 2, 2, 2]);
    for (const x of n.nodes) {
      expect(x.store.votes.range(3, 3, 10)).toEqual([]);
      expect(x.agreement.status().pendingVotes).toEqual([]);
      expect(x.agreement.status().breaches).toMatchObject({ open: 0 });
    }
    expect([1, 2, 3, 4].map((id) => n.hookLines(id))).toEqual(before);
  });

  it('a breach proven while PAUSED stands: the resume that does not name it is followed by a new pause; one that names it is not', async () => {
    const n = await net({ labs: 4, observers: 1 });
    const [, , c, d] = labs(n);
    const over = commitment(n.genesis, n.networkId, d, { metrics: { trainingFlop: 10n ** 27n } });
    await n.publish(4, 'commitment', over);
    await n.until(() => heightsOf(n).every((h) => h === 1), 'all PAUSED at 1');
    const first = breachIdOf(checkCaps(over, n.genesis.policy) as Evidence);
    // During the pause lab-c commits a 9e25 FLOP run (over the 1e26 training cap with 2e26).
    const during = commitment(n.genesis, n.networkId, c, { metrics: { trainingFlop: 2n * 10n ** 26n } });
    await n.publish(3, 'commitment', during);
    await n.settle();
    const second = breachIdOf(checkCaps(during, n.genesis.policy) as Evidence);
    for (const x of n.nodes) expect(x.agreement.status()).toMatchObject({ height: 1, breaches: { open: 2 } });
    // A breach id this node does not hold is refused (no pending vote names it either).
    expect(
      await n.node(1).agreement.approve(2, 'RUNNING', { breaches: [new Uint8Array(32).fill(9)] }),
    ).toMatchObject({ refused: 'UNKNOWN_BREACH' });
    // The operators resolve only the first breach (explicitly): the second is still open -> pause again.
    for (const id of [1, 2, 3]) {
      const r = await n.node(id).agreement.approve(2, 'RUNNING', { breaches: [first] });
      expect(r).toMatchObject({ signed: true, leftOpen: 1 });
      await n.settle();
    }
    await n.until(() => heightsOf(n).every((h) => h === 3), 'all PAUSED again at 3');
    expect(n.node(5).store.certificates.get(2)).toBeDefined();
    for (const x of n.nodes) {
      expect(x.store.breaches.get(first)?.resolvedHeight).toBe(2);
      // Proven while PAUSED at 1: the pause at 3 is the first certificate that acts on it.
      expect(x.store.breaches.get(second)).toMatchObject({ resolvedHeight: null, actedOnHeight: 3 });
    }
    for (const id of [1, 2, 3, 4])
      expect(n.hookLines(id).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
        'halt 1',
        'resume 2',
        'halt 3',
      ]);
    // The next resume names it (the default: every open breach): RUNNING at 4, and it stays so.
    for (const id of [1, 2, 3]) {
      await n.node(id).agreement.approve(4, 'RUNNING');
      await n.settle();
    }
    await n.until(() => heightsOf(n).every((h) => h === 4), 'all RUNNING at 4');
    await new Promise((r) => setTimeout(r, 200));
    await n.settle();
    expect(heightsOf(n)).toEqual([4, 4, 4, 4, 4]);
    for (const x of n.nodes) expect(x.store.votes.range(5, 5, 10)).toEqual([]);
  });

  it('approvals name breaches: a resume adopts a pending vote set, refuses a different one unless forced; dry run changes nothing', async () => {
    const n = await net({ labs: 4, observers: 1 });
    const [, , c, d] = labs(n);
    await n.publish(
      4,
      'commitment',
      commitment(n.genesis, n.networkId, d, { metrics: { trainingFlop: 10n ** 27n } }),
    );
    await n.until(() => heightsOf(n).every((h) => h === 1), 'all PAUSED at 1');
    await n.publish(
      3,
      'commitment',
      commitment(n.genesis, n.networkId, c, { metrics: { maxParams: 10n ** 14n } }),
    );
    await n.settle();
    const open = n
      .node(1)
      .store.breaches.open()
      .map((b) => b.id);
    expect(open).toHaveLength(2);
    const [x, y] = open as [Uint8Array, Uint8Array];
    const dry = await n.node(1).agreement.approve(2, 'RUNNING', { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, signed: false, source: 'open-breaches', leftOpen: 0 });
    expect(dry.breaches.map((b) => b.id).sort()).toEqual(open.map(toHex).sort());
    expect(n.node(1).store.votes.range(2, 2, 10)).toEqual([]);
    // lab-a resumes resolving only x; lab-b's default adopts exactly that set.
    expect(await n.node(1).agreement.approve(2, 'RUNNING', { breaches: [x] })).toMatchObject({
      signed: true,
      source: 'explicit',
    });
    await n.settle();
    expect(await n.node(2).agreement.approve(2, 'RUNNING')).toMatchObject({
      signed: true,
      source: 'pending-vote',
      voters: ['lab-a'],
      breaches: [{ id: toHex(x) }],
    });
    await n.settle();
    // lab-c wants {x, y}: refused, because it would split the resume.
    const split = await n.node(3).agreement.approve(2, 'RUNNING', { breaches: [x, y] });
    expect(split).toMatchObject({ signed: false, refused: 'RESOLVES_MISMATCH' });
    expect(split.reason).toMatch(/split/);
    // Any other set is refused while a pending vote names one, unknown ids included.
    const unknown = await n
      .node(3)
      .agreement.approve(2, 'RUNNING', { breaches: [new Uint8Array(32).fill(7)] });
    expect(unknown).toMatchObject({ refused: 'RESOLVES_MISMATCH' });
    // Forced, it is signed: two statements at height 2 (2 + 1 votes), no certificate.
    expect(await n.node(3).agreement.approve(2, 'RUNNING', { breaches: [x, y], force: true })).toMatchObject({
      signed: true,
    });
    await n.settle();
    expect(
      n
        .node(5)
        .agreement.status()
        .pendingVotes.map((p) => p.voters.length)
        .sort(),
    ).toEqual([1, 2]);
    expect(heightsOf(n)).toEqual([1, 1, 1, 1, 1]);
    // lab-a cannot change its mind at this height: one statement per member per height.
    expect(await n.node(1).agreement.approve(2, 'RUNNING', { breaches: [x, y], force: true })).toMatchObject({
      refused: 'ALREADY_SIGNED',
    });
    // lab-d adopts the larger pending set: 3 votes on {x}: RUNNING at 2, y still open -> paused again at 3.
    expect(await n.node(4).agreement.approve(2, 'RUNNING')).toMatchObject({
      signed: true,
      source: 'pending-vote',
    });
    await n.until(() => heightsOf(n).every((h) => h >= 2), 'resume certified');
    await n.until(() => heightsOf(n).every((h) => h === 3), 'y still open: paused again');
  });

  it('restart rebuilds the machine from the breaches table, not by replaying evidence', async () => {
    const n = await net({ labs: 4, observers: 1 });
    const [, , , d] = labs(n);
    await n.publish(
      4,
      'commitment',
      commitment(n.genesis, n.networkId, d, { metrics: { trainingFlop: 10n ** 27n } }),
    );
    await n.until(() => heightsOf(n).every((h) => h === 1), 'all PAUSED at 1');
    let listed = 0;
    const node = await n.restart(1, (store) => {
      vi.spyOn(store.evidence, 'list').mockImplementation(() => {
        listed++;
        return [];
      });
    });
    expect(listed).toBe(0);
    expect(node.agreement.status()).toMatchObject({
      state: 'PAUSED',
      height: 1,
      breaches: { open: 1, openAuto: 1 },
    });
  });
});

describe('judged evidence admission (quota)', () => {
  it('a member flooding report evidence: at most judgedQuotaPerEpoch per epoch stored, the rest QUOTA (not stored); nothing is banned', async () => {
    const n = await net({ labs: 4, observers: 1 });
    const [a] = labs(n);
    const epoch = epochAt(n.genesis.policy, Date.now());
    const quota = n.genesis.policy.judgedQuotaPerEpoch;
    const verdicts = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const digest = new Uint8Array(32).fill(0);
      digest[0] = i;
      const se = file(n, a, { kind: 'report', subject: 'lab-d', epoch, digest, summary: `flood ${i}` });
      const v = await n.publish(1, 'evidence', se);
      const key = v.ok ? 'ok' : v.code;
      verdicts.set(key, (verdicts.get(key) ?? 0) + 1);
    }
    await n.settle();
    expect(Object.fromEntries(verdicts)).toEqual({ ok: quota, QUOTA: 60 - quota });
    for (const x of n.nodes) {
      expect(x.store.evidence.countJudged(a.id, epoch)).toBe(quota);
      expect(x.store.evidence.list().length).toBe(quota);
      expect(x.store.breaches.counts().open).toBe(quota);
    }
    // Another epoch has its own quota (staleness, E_STALE, is a protocol rule: validation.evidence.test.ts).
    const older = file(n, a, {
      kind: 'report',
      subject: 'lab-d',
      epoch: epoch - 1,
      digest: new Uint8Array(32).fill(1),
      summary: 'previous epoch',
    });
    expect(await n.publish(1, 'evidence', older)).toEqual({ ok: true });
    expect(n.rejected.size).toBe(0);
  });
});
