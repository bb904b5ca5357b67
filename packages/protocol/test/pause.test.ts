import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { breachIdOf } from '../src/breach.js';
import { fromHex, toHex } from '../src/bytes.js';
import { checkCaps } from '../src/evidence.js';
import { createPauseState, pauseStatus, pauseStep } from '../src/pause/machine.js';
import type { PauseEffect, PauseEvent, PauseMachineState } from '../src/pause/types.js';
import { signVote } from '../src/sign.js';
import { evidenceHash } from '../src/signing.js';
import type { Certificate, Evidence, PauseState, SignedVote } from '../src/types.js';
import { recoverSignature } from './helpers/bls.js';
import {
  epochStart,
  fileEvidence,
  genesis,
  LABS,
  labKeys,
  metrics,
  networkId,
  signed,
  vote,
} from './helpers/fixtures.js';

const now = epochStart(2) + 10_000;
const overCap = signed({ lab: 'lab-d', metrics: metrics({ trainingFlop: 2n * 10n ** 26n }) });
const capEvidence = fileEvidence(checkCaps(overCap, genesis.policy) as Evidence, 'lab-b', epochStart(2));
const capBreach = breachIdOf(capEvidence.evidence);
const missedEvidence = fileEvidence({ kind: 'missed', lab: 'lab-d', epoch: 0 }, 'lab-c', epochStart(2));
const missedBreach = breachIdOf(missedEvidence.evidence);
/** A second, independent auto breach: lab-c over the cap (proven while PAUSED in the tests below). */
const overCapC = signed({ lab: 'lab-c', metrics: metrics({ largestRunFlop: 9n * 10n ** 25n }) });
const capEvidenceC = fileEvidence(checkCaps(overCapC, genesis.policy) as Evidence, 'lab-a', now + 500);
const capBreachC = breachIdOf(capEvidenceC.evidence);

function machine(
  self?: string,
  opts: Omit<Parameters<typeof createPauseState>[1] & object, 'networkId'> = {},
) {
  return createPauseState(genesis, { networkId, ...(self ? { self } : {}), ...opts });
}

function run(s: PauseMachineState, events: PauseEvent[], at = now) {
  const effects: PauseEffect[] = [];
  let state = s;
  for (const e of events) {
    const r = pauseStep(state, e, at);
    state = r.state;
    effects.push(...r.effects);
  }
  return { state, effects };
}

const sorted = (ids: Uint8Array[]) => [...ids].sort((a, b) => (toHex(a) < toHex(b) ? -1 : 1));

function votesFor(
  height: number,
  target: PauseState,
  resolves: Uint8Array[] = [],
): Record<string, SignedVote> {
  return Object.fromEntries(
    LABS.map((l) => [
      l,
      target === 'PAUSED'
        ? vote(l, height, target, { evidence: [evidenceHash(capEvidence)], breaches: [capBreach] })
        : vote(l, height, target, { resolves }),
    ]),
  );
}
const votes1 = votesFor(1, 'PAUSED');

function certFor(height: number, target: PauseState, voters: SignedVote[]): Certificate {
  const idx = (v: SignedVote) => LABS.indexOf(v.vote.voter as (typeof LABS)[number]) + 1;
  const ordered = [...voters].sort((a, b) => idx(a) - idx(b));
  return {
    networkId,
    height,
    target,
    step: target === 'RUNNING' ? 'down' : 'up',
    signers: ordered.map((v) => v.vote.voter),
    resolves: [...(ordered[0]?.vote.resolves ?? [])],
    signature: recoverSignature(ordered.map((v) => ({ index: idx(v), signature: v.vote.partial }))),
  };
}

const pauseCert = certFor(1, 'PAUSED', [votes1['lab-a']!, votes1['lab-b']!, votes1['lab-c']!]);
function resumeCert(resolves: Uint8Array[]): Certificate {
  const v = votesFor(2, 'RUNNING', sorted(resolves));
  return certFor(2, 'RUNNING', [v['lab-b']!, v['lab-c']!, v['lab-d']!]);
}

describe('pause state machine', () => {
  it('starts RUNNING at height 0; an observer validates but never signs', () => {
    const s = createPauseState(genesis);
    expect([s.height, s.state]).toEqual([0, 'RUNNING']);
    expect(s.config.networkId).toEqual(networkId);
    const r = pauseStep(s, { type: 'evidence', evidence: capEvidence }, now);
    expect(r.validation.ok).toBe(true);
    expect(r.effects).toEqual([]);
    expect(r.state.open.size).toBe(1);
  });
  it('self-proving evidence -> sign-vote at h+1 PAUSED citing the breach and its evidence, exactly once', () => {
    const r1 = pauseStep(machine('lab-a'), { type: 'evidence', evidence: capEvidence }, now);
    expect(r1.effects).toEqual([
      {
        type: 'sign-vote',
        height: 1,
        target: 'PAUSED',
        step: 'up',
        breaches: [capBreach],
        evidenceRefs: [evidenceHash(capEvidence)],
        resolves: [],
      },
    ]);
    expect(r1.state.signed.get(1)).toEqual([{ target: 'PAUSED', step: 'up', resolves: [] }]);
    // The same breach filed by another member is the same breach: held already, no second vote.
    const other = fileEvidence(checkCaps(overCap, genesis.policy) as Evidence, 'lab-c', epochStart(2));
    const r2 = pauseStep(r1.state, { type: 'evidence', evidence: other }, now);
    expect(r2.validation).toMatchObject({ ok: false, action: 'ignore', code: 'P_BREACH_OPEN' });
    expect(r2.effects).toEqual([]);
  });
  it('slashing protection: a statement already signed at a height is never signed again', () => {
    const s = machine('lab-a', { signed: [{ height: 1, target: 'PAUSED', step: 'up' }] });
    const r = run(s, [
      { type: 'evidence', evidence: capEvidence },
      { type: 'approve', step: 'up', height: 1, breaches: [missedBreach] },
      { type: 'evidence', evidence: missedEvidence },
    ]);
    expect(r.effects.filter((e) => e.type === 'sign-vote')).toEqual([]);
  });
  it('judged evidence -> approval-needed naming the breach; approving that breach -> sign-vote', () => {
    const r1 = pauseStep(machine('lab-a'), { type: 'evidence', evidence: missedEvidence }, now);
    expect(r1.effects).toEqual([
      { type: 'approval-needed', height: 1, target: 'PAUSED', step: 'up', breaches: [missedBreach] },
    ]);
    // Approving another breach id signs nothing: the approval names what it approves.
    const other = pauseStep(r1.state, { type: 'approve', step: 'up', height: 1, breaches: [capBreach] }, now);
    expect(other.effects).toEqual([]);
    const r2 = pauseStep(r1.state, { type: 'approve', step: 'up', height: 1, breaches: [missedBreach] }, now);
    expect(r2.effects).toEqual([
      {
        type: 'sign-vote',
        height: 1,
        target: 'PAUSED',
        step: 'up',
        breaches: [missedBreach],
        evidenceRefs: [evidenceHash(missedEvidence)],
        resolves: [],
      },
    ]);
  });
  it('an approval alone never signs a pause: it waits for evidence of the breach it names', () => {
    const r1 = pauseStep(
      machine('lab-a'),
      { type: 'approve', step: 'up', height: 1, breaches: [missedBreach] },
      now,
    );
    expect(r1.validation.ok).toBe(true);
    expect(r1.effects).toEqual([]);
    const r2 = pauseStep(r1.state, { type: 'evidence', evidence: missedEvidence }, now);
    expect(r2.effects.filter((e) => e.type === 'sign-vote')).toMatchObject([
      { height: 1, target: 'PAUSED', breaches: [missedBreach] },
    ]);
  });
  it('approval for a wrong height or target is ignored', () => {
    const s = machine('lab-a');
    const down = (height: number, target: PauseState) =>
      pauseStep(s, { type: 'approve', step: 'down', height, target, breaches: [] }, now).validation;
    expect(down(2, 'RUNNING')).toMatchObject({ code: 'P_APPROVAL_HEIGHT' });
    expect(down(1, 'RUNNING')).toMatchObject({ code: 'P_APPROVAL_TARGET' });
    const up = pauseStep(s, { type: 'approve', step: 'up', height: 2, breaches: [missedBreach] }, now);
    expect(up.validation).toMatchObject({ code: 'P_APPROVAL_HEIGHT' });
  });
  it('invalid evidence is refused with its validation code and changes nothing', () => {
    const s = machine('lab-a');
    const r = pauseStep(s, { type: 'evidence', evidence: { ...capEvidence, reporter: 'lab-c' } }, now);
    expect(r.validation).toMatchObject({ ok: false, code: 'E_SIGNATURE', action: 'reject' });
    expect(r.state).toBe(s);
  });
  it('collects votes: duplicates never count twice, bad votes are rejected, t distinct -> recover', () => {
    let s = machine('lab-a');
    const steps: [PauseEvent, string | null][] = [
      [{ type: 'vote', vote: votes1['lab-a']! }, null],
      [{ type: 'vote', vote: votes1['lab-a']! }, 'P_DUPLICATE_VOTE'],
      // same voter, different envelope (other refs) still counts once
      [
        { type: 'vote', vote: signVote({ ...votes1['lab-a']!.vote, evidence: [] }, labKeys['lab-a']!) },
        'P_DUPLICATE_VOTE',
      ],
      [{ type: 'vote', vote: vote('lab-b', 2, 'RUNNING') }, 'V_FUTURE'],
      [{ type: 'vote', vote: vote('lab-b', 1, 'RUNNING') }, 'V_TARGET'],
      [{ type: 'vote', vote: vote('lab-x', 1) }, 'V_MEMBER'],
      [
        { type: 'vote', vote: vote('lab-b', 1, 'PAUSED', { partial: votes1['lab-c']!.vote.partial }) },
        'V_PARTIAL',
      ],
      [{ type: 'vote', vote: votes1['lab-c']! }, null],
    ];
    for (const [ev, code] of steps) {
      const r = pauseStep(s, ev, now);
      if (code) expect(r.validation).toMatchObject({ ok: false, code });
      else expect(r.validation.ok).toBe(true);
      expect(r.effects).toEqual([]);
      s = r.state;
    }
    expect(s.votes.size).toBe(2);
    const r = pauseStep(s, { type: 'vote', vote: votes1['lab-b']! }, now);
    expect(r.effects).toHaveLength(1);
    const eff = r.effects[0] as Extract<PauseEffect, { type: 'recover' }>;
    expect(eff).toMatchObject({ type: 'recover', height: 1, target: 'PAUSED', step: 'up', resolves: [] });
    expect(eff.partials.map((p) => [p.index, p.voter])).toEqual([
      [1, 'lab-a'],
      [2, 'lab-b'],
      [3, 'lab-c'],
    ]);
    const cert: Certificate = {
      networkId,
      height: 1,
      target: 'PAUSED',
      step: 'up',
      signers: eff.partials.map((p) => p.voter),
      resolves: [],
      signature: recoverSignature(eff.partials),
    };
    const applied = pauseStep(r.state, { type: 'certificate', certificate: cert, local: true }, now);
    expect(applied.effects).toEqual([
      { type: 'apply', certificate: cert },
      { type: 'publish-certificate', certificate: cert },
    ]);
    expect([applied.state.height, applied.state.state, applied.state.votes.size]).toEqual([1, 'PAUSED', 0]);
  });
  it('a resume resolves exactly the breaches it names: re-signed evidence for one of them never counts again', () => {
    let r = run(machine('lab-a'), [{ type: 'evidence', evidence: capEvidence }]);
    r = run(r.state, [{ type: 'certificate', certificate: pauseCert }]);
    expect(r.effects).toEqual([{ type: 'apply', certificate: pauseCert }]);
    // Resume: the operator approves resolving the cap breach; the vote carries that set.
    r = run(
      r.state,
      [{ type: 'approve', step: 'down', height: 2, target: 'RUNNING', breaches: [capBreach] }],
      now + 1000,
    );
    expect(r.effects).toEqual([
      {
        type: 'sign-vote',
        height: 2,
        target: 'RUNNING',
        step: 'down',
        breaches: [],
        evidenceRefs: [],
        resolves: [capBreach],
      },
    ]);
    r = run(r.state, [{ type: 'certificate', certificate: resumeCert([capBreach]) }], now + 2000);
    expect([r.state.height, r.state.state, r.state.open.size]).toEqual([2, 'RUNNING', 0]);
    expect(r.effects.map((e) => e.type)).toEqual(['apply']);
    // The same over-cap commitment, re-signed with a fresh issuedAt (or filed by anyone else): ignored.
    for (const reporter of ['lab-b', 'lab-c']) {
      const again = fileEvidence(checkCaps(overCap, genesis.policy) as Evidence, reporter, now + 3000);
      const x = pauseStep(r.state, { type: 'evidence', evidence: again }, now + 3000);
      expect(x.validation).toMatchObject({ ok: false, action: 'ignore', code: 'P_BREACH_RESOLVED' });
      expect(x.effects).toEqual([]);
    }
    // A stale certificate is ignored.
    expect(pauseStep(r.state, { type: 'certificate', certificate: pauseCert }, now).validation).toMatchObject(
      {
        code: 'K_STALE',
      },
    );
  });
  it('a breach proven while PAUSED stands: a resume that does not name it leads to a new pause vote at once', () => {
    let r = run(machine('lab-a'), [
      { type: 'evidence', evidence: capEvidence },
      { type: 'certificate', certificate: pauseCert },
    ]);
    // lab-c commits over a cap during the pause: the breach is held, no vote while PAUSED.
    const during = pauseStep(r.state, { type: 'evidence', evidence: capEvidenceC }, now + 600);
    expect(during.validation.ok).toBe(true);
    expect(during.effects).toEqual([]);
    expect(during.state.open.size).toBe(2);
    r = run(
      during.state,
      [{ type: 'approve', step: 'down', height: 2, target: 'RUNNING', breaches: [capBreach] }],
      now + 700,
    );
    // The resume certificate names only the first breach: lab-c's is still open -> sign PAUSE at 3.
    const after = pauseStep(
      r.state,
      { type: 'certificate', certificate: resumeCert([capBreach]) },
      now + 800,
    );
    expect(after.effects.map((e) => e.type)).toEqual(['apply', 'sign-vote']);
    expect(after.effects[1]).toMatchObject({
      height: 3,
      target: 'PAUSED',
      breaches: [capBreachC],
      evidenceRefs: [evidenceHash(capEvidenceC)],
    });
    // A resume that names both: nothing stays open, nothing is signed.
    const both = pauseStep(
      run(during.state, [
        {
          type: 'approve',
          step: 'down',
          height: 2,
          target: 'RUNNING',
          breaches: sorted([capBreach, capBreachC]),
        },
      ]).state,
      { type: 'certificate', certificate: resumeCert([capBreach, capBreachC]) },
      now + 800,
    );
    expect(both.effects.map((e) => e.type)).toEqual(['apply']);
    expect(both.state.open.size).toBe(0);
  });
  it('a judged breach left open by a resume asks the operator again (a new approval is needed)', () => {
    let r = run(machine('lab-a'), [
      { type: 'evidence', evidence: capEvidence },
      { type: 'certificate', certificate: pauseCert },
      { type: 'evidence', evidence: missedEvidence },
    ]);
    r = run(r.state, [{ type: 'certificate', certificate: resumeCert([capBreach]) }]);
    expect(r.effects).toEqual([
      { type: 'apply', certificate: resumeCert([capBreach]) },
      { type: 'approval-needed', height: 3, target: 'PAUSED', step: 'up', breaches: [missedBreach] },
    ]);
  });
  it('votes on different resolves sets sign different statements: a split never combines', () => {
    const a = votesFor(2, 'RUNNING', [capBreach]);
    const b = votesFor(2, 'RUNNING', sorted([capBreach, capBreachC]));
    const paused = run(machine('lab-a'), [{ type: 'certificate', certificate: pauseCert }]).state;
    const r = run(paused, [
      { type: 'vote', vote: a['lab-a']! },
      { type: 'vote', vote: a['lab-b']! },
      { type: 'vote', vote: b['lab-c']! },
      { type: 'vote', vote: b['lab-d']! },
    ]);
    expect(r.effects).toEqual([]);
    expect(
      pauseStatus(r.state)
        .pendingVotes.map((p) => [p.resolves.length, p.voters.join(',')])
        .sort(),
    ).toEqual([
      [1, 'lab-a,lab-b'],
      [2, 'lab-c,lab-d'],
    ]);
    // A member that already voted cannot switch to the other statement (double sign, not counted).
    const sw = pauseStep(r.state, { type: 'vote', vote: b['lab-a']! }, now);
    expect(sw.validation).toMatchObject({ code: 'P_DUPLICATE_VOTE' });
  });
  it('certificates apply in order: a node behind ignores a later height (K_FUTURE) until it has the ones between', () => {
    const cert2 = resumeCert([capBreach]);
    const late = pauseStep(machine('lab-d'), { type: 'certificate', certificate: cert2 }, now);
    expect(late.validation).toMatchObject({ ok: false, action: 'ignore', code: 'K_FUTURE' });
    const r = run(machine('lab-d'), [
      { type: 'certificate', certificate: pauseCert },
      { type: 'certificate', certificate: cert2 },
    ]);
    expect([r.state.height, r.state.state]).toEqual([2, 'RUNNING']);
    expect(r.state.resolved.get(toHex(capBreach))).toBe(2);
  });
  it('a forged certificate (t-1 partials) is rejected and not applied', () => {
    const bad = certFor(1, 'PAUSED', [votes1['lab-a']!, votes1['lab-b']!]);
    const r = pauseStep(
      machine('lab-a'),
      { type: 'certificate', certificate: { ...bad, signers: ['lab-a', 'lab-b', 'lab-c'] } },
      now,
    );
    expect(r.validation).toMatchObject({ ok: false, code: 'K_SIGNATURE' });
    expect(r.effects).toEqual([]);
  });
  it('restores from the applied certificate, the signed record and the stored breaches (open and resolved)', () => {
    const s = machine('lab-a', {
      certificate: pauseCert,
      signed: [{ height: 1, target: 'PAUSED', step: 'up' }],
      breaches: {
        open: [{ id: capBreachC, kind: 'cap-exceeded', ref: evidenceHash(capEvidenceC) }],
        resolved: [{ id: missedBreach, height: 0 }],
      },
    });
    expect([s.height, s.state, s.open.size, s.autoOpen]).toEqual([1, 'PAUSED', 1, { REDUCED: 0, PAUSED: 1 }]);
    expect(pauseStatus(s)).toMatchObject({
      height: 1,
      state: 'PAUSED',
      approvals: [{ height: 2, target: 'RUNNING', step: 'down', approved: false, breaches: [] }],
      breaches: { open: 1, openAuto: 1, resolved: 1 },
    });
    expect(pauseStep(s, { type: 'evidence', evidence: missedEvidence }, now).validation).toMatchObject({
      code: 'P_BREACH_RESOLVED',
    });
    const r = run(s, [
      { type: 'approve', step: 'down', height: 2, target: 'RUNNING', breaches: [capBreachC] },
      { type: 'vote', vote: votesFor(2, 'RUNNING', [capBreachC])['lab-b']! },
    ]);
    expect(pauseStatus(r.state).pendingVotes).toEqual([
      {
        height: 2,
        target: 'RUNNING',
        step: 'down',
        resolves: [toHex(capBreachC)],
        voters: ['lab-b'],
        needed: 3,
      },
    ]);
  });
  it('many open breaches: the state is persistent (an old state is unchanged by later steps) and votes cite at most 16, ascending', () => {
    let s = machine('lab-a', { signed: [{ height: 1, target: 'PAUSED', step: 'up' }] });
    const states: PauseMachineState[] = [];
    for (let i = 0; i < 40; i++) {
      const ev = fileEvidence(
        { kind: 'report', subject: 'lab-d', epoch: 1, digest: new Uint8Array(32).fill(i), summary: `r${i}` },
        'lab-b',
        now,
      );
      s = pauseStep(s, { type: 'evidence', evidence: ev }, now).state;
      states.push(s);
    }
    expect(states.map((x) => x.open.size)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const ids = [...s.open.keys()];
    const approved = pauseStep(
      createPauseState(genesis, {
        networkId,
        self: 'lab-a',
        breaches: { open: [...s.open.values()] },
      }),
      { type: 'approve', step: 'up', height: 1, breaches: ids.map((h) => fromHex(h)) },
      now,
    );
    const sign = approved.effects[0] as Extract<PauseEffect, { type: 'sign-vote' }>;
    expect(sign.breaches.map(toHex)).toEqual([...ids].sort().slice(0, 16));
  });
  it('property: any order of votes with duplicates recovers once t distinct voters are in, never counting twice', () => {
    const all = LABS.map((l) => votes1[l]!);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 12 }), (order) => {
        let s = machine('lab-a');
        const seen = new Set<number>();
        for (const i of order) {
          const r = pauseStep(s, { type: 'vote', vote: all[i]! }, now);
          const fresh = !seen.has(i);
          seen.add(i);
          expect(r.validation.ok).toBe(fresh);
          expect(r.effects.length).toBe(fresh && seen.size >= 3 ? 1 : 0);
          s = r.state;
          expect(s.votes.size).toBe(seen.size);
        }
      }),
      { numRuns: 100 },
    );
  });
});
