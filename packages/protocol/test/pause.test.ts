import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCaps } from '../src/evidence.js';
import { createPauseState, pauseStatus, pauseStep } from '../src/pause/machine.js';
import type { PauseEffect, PauseEvent, PauseMachineState } from '../src/pause/types.js';
import { evidenceHash, signVote } from '../src/signing.js';
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
const missedEvidence = fileEvidence({ kind: 'missed', lab: 'lab-d', epoch: 0 }, 'lab-c', epochStart(2));

function machine(
  self?: string,
  opts: { signedHeights?: [number, PauseState][]; certificate?: Certificate } = {},
) {
  return createPauseState(genesis, {
    networkId,
    ...(self ? { self } : {}),
    ...opts,
  });
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

const votes1 = Object.fromEntries(
  LABS.map((l) => [l, vote(l, 1, 'PAUSED', { evidence: [evidenceHash(capEvidence)] })]),
);
const votes2 = Object.fromEntries(LABS.map((l) => [l, vote(l, 2, 'RUNNING')]));

function certFor(height: number, target: PauseState, voters: SignedVote[]): Certificate {
  const idx = (v: SignedVote) => LABS.indexOf(v.vote.voter as (typeof LABS)[number]) + 1;
  const sorted = [...voters].sort((a, b) => idx(a) - idx(b));
  return {
    networkId,
    height,
    target,
    signers: sorted.map((v) => v.vote.voter),
    signature: recoverSignature(sorted.map((v) => ({ index: idx(v), signature: v.vote.partial }))),
  };
}

describe('pause state machine', () => {
  it('starts RUNNING at height 0; an observer validates but never signs', () => {
    const s = createPauseState(genesis);
    expect([s.height, s.state]).toEqual([0, 'RUNNING']);
    expect(s.config.networkId).toEqual(networkId);
    const r = pauseStep(s, { type: 'evidence', evidence: capEvidence }, now);
    expect(r.validation.ok).toBe(true);
    expect(r.effects).toEqual([]);
  });
  it('self-proving evidence -> sign-vote at h+1 PAUSED with the evidence ref, exactly once', () => {
    const r1 = pauseStep(machine('lab-a'), { type: 'evidence', evidence: capEvidence }, now);
    expect(r1.effects).toEqual([
      { type: 'sign-vote', height: 1, target: 'PAUSED', evidenceRefs: [evidenceHash(capEvidence)] },
    ]);
    expect(r1.state.signedHeights.get(1)).toBe('PAUSED');
    const other = fileEvidence(checkCaps(overCap, genesis.policy) as Evidence, 'lab-c', epochStart(2));
    const r2 = pauseStep(r1.state, { type: 'evidence', evidence: other }, now);
    expect(r2.validation.ok).toBe(true);
    expect(r2.effects).toEqual([]);
  });
  it('slashing protection: a height already in signedHeights is never signed again', () => {
    const s = machine('lab-a', { signedHeights: [[1, 'PAUSED']] });
    const r = run(s, [
      { type: 'evidence', evidence: capEvidence },
      { type: 'approve', height: 1, target: 'PAUSED' },
    ]);
    expect(r.effects.filter((e) => e.type === 'sign-vote')).toEqual([]);
  });
  it('judged evidence -> approval-needed; the operator approve event -> sign-vote', () => {
    const r1 = pauseStep(machine('lab-a'), { type: 'evidence', evidence: missedEvidence }, now);
    expect(r1.effects).toEqual([
      { type: 'approval-needed', height: 1, target: 'PAUSED', evidenceRefs: [evidenceHash(missedEvidence)] },
    ]);
    const r2 = pauseStep(r1.state, { type: 'approve', height: 1, target: 'PAUSED' }, now);
    expect(r2.effects).toEqual([
      { type: 'sign-vote', height: 1, target: 'PAUSED', evidenceRefs: [evidenceHash(missedEvidence)] },
    ]);
  });
  it('an operator approval alone never signs a pause: the vote waits for validated evidence', () => {
    const r1 = pauseStep(machine('lab-a'), { type: 'approve', height: 1, target: 'PAUSED' }, now);
    expect(r1.validation.ok).toBe(true);
    expect(r1.effects.filter((e) => e.type === 'sign-vote')).toEqual([]);
    const r2 = pauseStep(r1.state, { type: 'evidence', evidence: missedEvidence }, now);
    expect(r2.effects.filter((e) => e.type === 'sign-vote')).toEqual([
      { type: 'sign-vote', height: 1, target: 'PAUSED', evidenceRefs: [evidenceHash(missedEvidence)] },
    ]);
  });
  it('approval for a wrong height or target is ignored', () => {
    const s = machine('lab-a');
    expect(pauseStep(s, { type: 'approve', height: 2, target: 'RUNNING' }, now).validation).toMatchObject({
      code: 'P_APPROVAL_HEIGHT',
    });
    expect(pauseStep(s, { type: 'approve', height: 1, target: 'RUNNING' }, now).validation).toMatchObject({
      code: 'P_APPROVAL_HEIGHT',
    });
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
    expect(eff).toMatchObject({ type: 'recover', height: 1, target: 'PAUSED' });
    expect(eff.partials.map((p) => [p.index, p.voter])).toEqual([
      [1, 'lab-a'],
      [2, 'lab-b'],
      [3, 'lab-c'],
    ]);
    // the partials of the effect recover a certificate the machine accepts
    const cert: Certificate = {
      networkId,
      height: 1,
      target: 'PAUSED',
      signers: eff.partials.map((p) => p.voter),
      signature: recoverSignature(eff.partials),
    };
    const applied = pauseStep(r.state, { type: 'certificate', certificate: cert, local: true }, now);
    expect(applied.effects).toEqual([
      { type: 'apply', certificate: cert },
      { type: 'publish-certificate', certificate: cert },
    ]);
    expect([applied.state.height, applied.state.state, applied.state.votes.size]).toEqual([1, 'PAUSED', 0]);
  });
  it('full cycle: pause by cap-exceeded, then resume after operator approval; old evidence does not re-pause', () => {
    let s = machine('lab-a');
    let r = run(s, [{ type: 'evidence', evidence: capEvidence }]);
    expect(r.effects[0]).toMatchObject({ type: 'sign-vote', height: 1 });
    const cert1 = certFor(1, 'PAUSED', [votes1['lab-a']!, votes1['lab-b']!, votes1['lab-d']!]);
    r = run(r.state, [{ type: 'certificate', certificate: cert1 }]);
    expect(r.effects).toEqual([{ type: 'apply', certificate: cert1 }]);
    s = r.state;
    // While PAUSED, breach evidence does not lead to a vote (the next flip is a resume).
    const more = fileEvidence(checkCaps(overCap, genesis.policy) as Evidence, 'lab-d', now + 500);
    const whilePaused = pauseStep(s, { type: 'evidence', evidence: more }, now + 600);
    expect(whilePaused.validation.ok).toBe(true);
    expect(whilePaused.effects).toEqual([]);
    s = whilePaused.state;
    // Resume needs the operator.
    r = run(s, [{ type: 'approve', height: 2, target: 'RUNNING' }], now + 1000);
    expect(r.effects).toEqual([{ type: 'sign-vote', height: 2, target: 'RUNNING', evidenceRefs: [] }]);
    const cert2 = certFor(2, 'RUNNING', [votes2['lab-b']!, votes2['lab-c']!, votes2['lab-d']!]);
    r = run(r.state, [{ type: 'certificate', certificate: cert2 }], now + 2000);
    expect([r.state.height, r.state.state]).toEqual([2, 'RUNNING']);
    // Replayed evidence from before the resume neither counts nor triggers a vote.
    const replay = run(
      r.state,
      [
        { type: 'evidence', evidence: capEvidence },
        { type: 'evidence', evidence: more },
      ],
      now + 3000,
    );
    expect(replay.effects).toEqual([]);
    // A stale certificate is ignored.
    expect(pauseStep(r.state, { type: 'certificate', certificate: cert1 }, now).validation).toMatchObject({
      code: 'K_STALE',
    });
  });
  it('P_EVIDENCE_SEEN / P_EVIDENCE_OLD: evidence counts once, and not when issued before the current state began', () => {
    const r1 = pauseStep(machine('lab-a'), { type: 'evidence', evidence: missedEvidence }, now);
    expect(pauseStep(r1.state, { type: 'evidence', evidence: missedEvidence }, now).validation).toMatchObject(
      {
        code: 'P_EVIDENCE_SEEN',
        action: 'ignore',
      },
    );
    const cert1 = certFor(1, 'PAUSED', [votes1['lab-a']!, votes1['lab-b']!, votes1['lab-c']!]);
    const paused = pauseStep(r1.state, { type: 'certificate', certificate: cert1 }, now).state;
    expect(
      pauseStep(paused, { type: 'evidence', evidence: missedEvidence }, now + 1).validation,
    ).toMatchObject({
      code: 'P_EVIDENCE_SEEN',
    });
    const earlier = fileEvidence({ kind: 'missed', lab: 'lab-d', epoch: 0 }, 'lab-b', now - 1);
    expect(pauseStep(paused, { type: 'evidence', evidence: earlier }, now + 1).validation).toMatchObject({
      code: 'P_EVIDENCE_OLD',
      action: 'ignore',
    });
  });
  it('a late node applies a valid certificate for a later height directly (catch-up)', () => {
    const cert2 = certFor(2, 'RUNNING', [votes2['lab-a']!, votes2['lab-b']!, votes2['lab-c']!]);
    const r = pauseStep(machine('lab-d'), { type: 'certificate', certificate: cert2 }, now);
    expect(r.effects).toEqual([{ type: 'apply', certificate: cert2 }]);
    expect([r.state.height, r.state.state]).toEqual([2, 'RUNNING']);
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
  it('restores from the last applied certificate and signedHeights after a restart', () => {
    const cert1 = certFor(1, 'PAUSED', [votes1['lab-a']!, votes1['lab-b']!, votes1['lab-c']!]);
    const s = machine('lab-a', { certificate: cert1, signedHeights: [[1, 'PAUSED']] });
    expect([s.height, s.state]).toEqual([1, 'PAUSED']);
    expect(pauseStatus(s)).toMatchObject({
      height: 1,
      state: 'PAUSED',
      approvals: [{ height: 2, target: 'RUNNING', approved: false }],
    });
    const r = run(s, [
      { type: 'approve', height: 2, target: 'RUNNING' },
      { type: 'vote', vote: votes2['lab-b']! },
    ]);
    expect(pauseStatus(r.state).pendingVotes).toEqual([
      { height: 2, target: 'RUNNING', voters: ['lab-b'], needed: 3 },
    ]);
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
