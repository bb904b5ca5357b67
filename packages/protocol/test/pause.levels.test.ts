import { describe, expect, it } from 'vitest';
import { breachIdOf } from '../src/breach.js';
import { toHex } from '../src/bytes.js';
import {
  checkSigning,
  createPauseState,
  escalationHeight,
  pauseStatus,
  pauseStep,
} from '../src/pause/machine.js';
import type { PauseEffect, PauseEvent, PauseMachineState } from '../src/pause/types.js';
import { evidenceHash } from '../src/signing.js';
import { epochStart } from './helpers/fixtures.js';
import { makeNet } from './helpers/net.js';

/**
 * Levels (docs/protocol.md "Levels"): escalation dominates within a height, one step down per height,
 * the applied state is the highest level at the highest height. Policy: cap-exceeded on trainingFlop and
 * missed lead to REDUCED, everything else to PAUSED.
 */
const net = makeNet({ levels: { kinds: { missed: 'REDUCED' }, caps: { trainingFlop: 'REDUCED' } } });
const now = epochStart(2) + 10_000;
const reduced = net.capBreach('lab-a', 'trainingFlop'); // REDUCED, automatic
const paused = net.capBreach('lab-b', 'largestRunFlop'); // PAUSED, automatic
const missed = net.evidence({ kind: 'missed', lab: 'lab-d', epoch: 0 }, 'lab-c'); // REDUCED, judged
const missedId = breachIdOf(missed.evidence);

function member(self = 'lab-a', opts: Parameters<typeof createPauseState>[1] = {}) {
  return createPauseState(net.genesis, { self, ...opts });
}

function run(s: PauseMachineState, events: PauseEvent[], at = now) {
  const effects: PauseEffect[] = [];
  const codes: string[] = [];
  let state = s;
  for (const e of events) {
    const r = pauseStep(state, e, at);
    state = r.state;
    effects.push(...r.effects);
    if (!r.validation.ok) codes.push(r.validation.code);
  }
  return { state, effects, codes };
}

const signs = (effects: PauseEffect[]) =>
  effects.filter((e): e is Extract<PauseEffect, { type: 'sign-vote' }> => e.type === 'sign-vote');
const sig = (e: Extract<PauseEffect, { type: 'sign-vote' }>) => `${e.step} ${e.target}@${e.height}`;

describe('levels: escalation dominates within a height', () => {
  it('a REDUCED-level breach signs REDUCED@1; a PAUSED-level breach then signs PAUSED@1 at the same height', () => {
    const r = run(member(), [
      { type: 'evidence', evidence: reduced.evidence },
      { type: 'evidence', evidence: paused.evidence },
    ]);
    expect(signs(r.effects).map(sig)).toEqual(['up REDUCED@1', 'up PAUSED@1']);
    expect(signs(r.effects)[0]).toMatchObject({
      breaches: [reduced.id],
      evidenceRefs: [evidenceHash(reduced.evidence)],
    });
    expect(signs(r.effects)[1]).toMatchObject({ breaches: [paused.id] });
    expect(r.state.signed.get(1)?.map((x) => x.target)).toEqual(['REDUCED', 'PAUSED']);
  });

  it('the PAUSED-level breach first: PAUSED@1 at once; the REDUCED one later signs nothing (not above)', () => {
    const r = run(member(), [
      { type: 'evidence', evidence: paused.evidence },
      { type: 'evidence', evidence: reduced.evidence },
    ]);
    expect(signs(r.effects).map(sig)).toEqual(['up PAUSED@1']);
  });

  it('after REDUCED@1 is applied escalations stay at height 1; PAUSED@1 then dominates it', () => {
    const r1 = run(member('lab-d'), [
      { type: 'evidence', evidence: reduced.evidence },
      { type: 'certificate', certificate: net.cert(1, 'REDUCED') },
    ]);
    expect([r1.state.height, r1.state.state, r1.state.step, escalationHeight(r1.state)]).toEqual([
      1,
      'REDUCED',
      'up',
      1,
    ]);
    const r2 = run(r1.state, [{ type: 'evidence', evidence: paused.evidence }]);
    expect(signs(r2.effects).map(sig)).toEqual(['up PAUSED@1']);
    const r3 = run(r2.state, [{ type: 'certificate', certificate: net.cert(1, 'PAUSED') }]);
    expect(r3.effects.map((e) => e.type)).toEqual(['apply']);
    expect([r3.state.height, r3.state.state]).toEqual([1, 'PAUSED']);
    // The lower certificate arriving again changes nothing.
    const r4 = pauseStep(r3.state, { type: 'certificate', certificate: net.cert(1, 'REDUCED') }, now);
    expect(r4.validation).toMatchObject({ ok: false, action: 'ignore', code: 'K_STALE' });
  });

  it('a member whose REDUCED@1 vote is pending and that applied nothing still escalates at height 1 (no split)', () => {
    // lab-a signed REDUCED@1; lab-b never saw the REDUCED breach. Both sign PAUSED@1: one statement.
    const a = run(member('lab-a'), [
      { type: 'evidence', evidence: reduced.evidence },
      { type: 'evidence', evidence: paused.evidence },
    ]);
    const b = run(member('lab-b'), [{ type: 'evidence', evidence: paused.evidence }]);
    const c = run(member('lab-c'), [
      { type: 'evidence', evidence: reduced.evidence },
      { type: 'certificate', certificate: net.cert(1, 'REDUCED') },
      { type: 'evidence', evidence: paused.evidence },
    ]);
    const last = (x: { effects: PauseEffect[] }) =>
      sig(signs(x.effects).at(-1) as Extract<PauseEffect, { type: 'sign-vote' }>);
    expect([last(a), last(b), last(c)]).toEqual(['up PAUSED@1', 'up PAUSED@1', 'up PAUSED@1']);
  });
});

describe('levels: stepping down', () => {
  const at1Paused = () =>
    run(member(), [
      { type: 'evidence', evidence: reduced.evidence },
      { type: 'evidence', evidence: paused.evidence },
      { type: 'certificate', certificate: net.cert(1, 'PAUSED') },
    ]).state;

  it('PAUSED -> REDUCED resolving the PAUSED breach: the open REDUCED breach holds that level (nothing re-escalates)', () => {
    const r1 = run(at1Paused(), [
      { type: 'approve', step: 'down', height: 2, target: 'REDUCED', breaches: [paused.id] },
    ]);
    expect(signs(r1.effects).map(sig)).toEqual(['down REDUCED@2']);
    expect(signs(r1.effects)[0]?.resolves).toEqual([paused.id]);
    const down = net.cert(2, 'REDUCED', { step: 'down', resolves: [paused.id] });
    const r2 = run(r1.state, [{ type: 'certificate', certificate: down }]);
    expect(r2.effects.map((e) => e.type)).toEqual(['apply']);
    expect([r2.state.height, r2.state.state, r2.state.step, escalationHeight(r2.state)]).toEqual([
      2,
      'REDUCED',
      'down',
      3,
    ]);
    expect(r2.state.open.has(toHex(reduced.id))).toBe(true);
    // Then REDUCED -> RUNNING resolving the last breach.
    const r3 = run(r2.state, [
      { type: 'approve', step: 'down', height: 3, target: 'RUNNING', breaches: [reduced.id] },
      { type: 'certificate', certificate: net.cert(3, 'RUNNING', { resolves: [reduced.id] }) },
    ]);
    expect(signs(r3.effects).map(sig)).toEqual(['down RUNNING@3']);
    expect([r3.state.height, r3.state.state, r3.state.open.size]).toEqual([3, 'RUNNING', 0]);
  });

  it('PAUSED -> RUNNING leaving a REDUCED-level breach open re-escalates to REDUCED at the next height', () => {
    const r = run(at1Paused(), [
      { type: 'approve', step: 'down', height: 2, target: 'RUNNING', breaches: [paused.id] },
      { type: 'certificate', certificate: net.cert(2, 'RUNNING', { resolves: [paused.id] }) },
    ]);
    expect(signs(r.effects).map(sig)).toEqual(['down RUNNING@2', 'up REDUCED@3']);
  });

  it('a step down goes to a lower level at the next height only; not after an escalation signed at that height', () => {
    const s = at1Paused();
    const bad = (height: number, target: 'RUNNING' | 'REDUCED' | 'PAUSED') =>
      pauseStep(s, { type: 'approve', step: 'down', height, target, breaches: [] }, now).validation;
    expect(bad(3, 'RUNNING')).toMatchObject({ code: 'P_APPROVAL_HEIGHT' });
    expect(bad(2, 'PAUSED')).toMatchObject({ code: 'P_APPROVAL_TARGET' });
    const unsorted = [paused.id, reduced.id].sort((a, b) => (toHex(a) < toHex(b) ? 1 : -1));
    expect(
      pauseStep(s, { type: 'approve', step: 'down', height: 2, target: 'RUNNING', breaches: unsorted }, now)
        .validation,
    ).toMatchObject({ code: 'P_APPROVAL_RESOLVES' });
    // At (2, REDUCED) after a step down the next escalation is at 3; once PAUSED@3 is signed, a step down
    // at 3 is refused (a step down is only ever a height's first statement).
    const r = run(s, [
      { type: 'certificate', certificate: net.cert(2, 'REDUCED', { step: 'down', resolves: [paused.id] }) },
      { type: 'evidence', evidence: net.capBreach('lab-c', 'largestRunFlop').evidence },
    ]);
    expect(signs(r.effects).map(sig)).toEqual(['up PAUSED@3']);
    const refused = pauseStep(
      r.state,
      { type: 'approve', step: 'down', height: 3, target: 'RUNNING', breaches: [] },
      now,
    );
    expect(refused.validation).toMatchObject({ ok: false, action: 'ignore', code: 'P_DOWN_NOT_FIRST' });
    expect(refused.effects).toEqual([]);
  });

  it("a step up never cites a breach the member's own step down at that height resolves", () => {
    // (2, REDUCED) after a step down; the operator resolves a PAUSED-level breach at 3 by id before its
    // evidence arrived: when it arrives, the member does not escalate for it at 3.
    const s = run(member(), [
      { type: 'certificate', certificate: net.cert(1, 'PAUSED') },
      { type: 'certificate', certificate: net.cert(2, 'REDUCED', { step: 'down', resolves: [] }) },
    ]).state;
    const r = run(s, [
      { type: 'approve', step: 'down', height: 3, target: 'RUNNING', breaches: [paused.id] },
      { type: 'evidence', evidence: paused.evidence },
    ]);
    expect(signs(r.effects).map(sig)).toEqual(['down RUNNING@3']);
    // Another PAUSED-level breach is cited alone.
    const other = net.capBreach('lab-c', 'largestRunFlop');
    const r2 = run(r.state, [{ type: 'evidence', evidence: other.evidence }]);
    expect(signs(r2.effects).map((e) => [sig(e), e.breaches.map(toHex)])).toEqual([
      ['up PAUSED@3', [toHex(other.id)]],
    ]);
  });
});

describe('levels: judged breaches, votes, certificates, restart', () => {
  it('a judged REDUCED-level breach asks for approval naming REDUCED; the approval signs REDUCED', () => {
    const r = run(member(), [{ type: 'evidence', evidence: missed }]);
    expect(r.effects).toEqual([
      { type: 'approval-needed', height: 1, target: 'REDUCED', step: 'up', breaches: [missedId] },
    ]);
    const a = run(r.state, [{ type: 'approve', step: 'up', height: 1, breaches: [missedId] }]);
    expect(signs(a.effects).map(sig)).toEqual(['up REDUCED@1']);
    expect(pauseStatus(a.state).approvals).toEqual([
      { height: 1, target: 'REDUCED', step: 'up', approved: true, breaches: [toHex(missedId)] },
    ]);
  });

  it('an approval of judged breaches holds across a step up at the same height, and lapses when the height moves', () => {
    const r = run(member('lab-d'), [
      { type: 'approve', step: 'up', height: 1, breaches: [missedId] },
      { type: 'certificate', certificate: net.cert(1, 'REDUCED') },
    ]);
    expect(r.state.approval.upHeight).toBe(1);
    expect(r.state.approval.up.has(toHex(missedId))).toBe(true);
    const moved = run(r.state, [
      { type: 'certificate', certificate: net.cert(2, 'RUNNING', { resolves: [] }) },
    ]).state;
    expect(moved.approval.up.size).toBe(0);
  });

  it('votes: a voter counts once per (height, level); its REDUCED and PAUSED votes at one height both count', () => {
    const s = member('lab-d');
    const r = run(s, [
      { type: 'vote', vote: net.vote('lab-a', 1, 'REDUCED') },
      { type: 'vote', vote: net.vote('lab-a', 1, 'PAUSED') },
      { type: 'vote', vote: net.vote('lab-a', 1, 'REDUCED') },
    ]);
    expect(r.codes).toEqual(['P_DUPLICATE_VOTE']);
    expect(r.state.votes.size).toBe(2);
    const groups = pauseStatus(r.state).pendingVotes.map(
      (p) => `${p.step} ${p.target}@${p.height}:${p.voters.join(',')}`,
    );
    expect(groups.sort()).toEqual(['up PAUSED@1:lab-a', 'up REDUCED@1:lab-a']);
    // After REDUCED@1 is applied the REDUCED votes leave the window, PAUSED@1 stays open.
    const applied = run(r.state, [{ type: 'certificate', certificate: net.cert(1, 'REDUCED') }]).state;
    expect([...applied.votes.keys()]).toEqual(['1:PAUSED:lab-a']);
    const stale = pauseStep(applied, { type: 'vote', vote: net.vote('lab-b', 1, 'REDUCED') }, now);
    expect(stale.validation).toMatchObject({ code: 'V_STALE' });
    // t votes on PAUSED@1 recover at the applied height.
    const rec = run(applied, [
      { type: 'vote', vote: net.vote('lab-b', 1, 'PAUSED') },
      { type: 'vote', vote: net.vote('lab-c', 1, 'PAUSED') },
    ]);
    expect(rec.effects).toMatchObject([{ type: 'recover', height: 1, target: 'PAUSED', step: 'up' }]);
  });

  it('applying a certificate re-emits recover for a statement of the window that already holds t votes', () => {
    const r = run(member('lab-d'), [
      { type: 'vote', vote: net.vote('lab-a', 1, 'PAUSED') },
      { type: 'vote', vote: net.vote('lab-b', 1, 'PAUSED') },
      { type: 'vote', vote: net.vote('lab-c', 1, 'PAUSED') },
      { type: 'certificate', certificate: net.cert(1, 'REDUCED') },
    ]);
    expect(r.effects.filter((e) => e.type === 'recover')).toHaveLength(2);
  });

  it('certificates: a dominated step up is K_STALE; a dominated step down that resolves new breaches is recorded; another statement at the applied level is K_CONFLICT', () => {
    const downRunning = net.cert(2, 'RUNNING', { resolves: [reduced.id] });
    const s = run(member('lab-d'), [
      { type: 'evidence', evidence: reduced.evidence },
      { type: 'certificate', certificate: net.cert(1, 'PAUSED') },
      { type: 'certificate', certificate: net.cert(2, 'PAUSED') },
    ]).state;
    expect([s.height, s.state]).toEqual([2, 'PAUSED']);
    expect(
      pauseStep(s, { type: 'certificate', certificate: net.cert(1, 'REDUCED') }, now).validation,
    ).toMatchObject({
      code: 'K_STALE',
    });
    const dom = pauseStep(s, { type: 'certificate', certificate: downRunning }, now);
    expect(dom.validation.ok).toBe(true);
    expect(dom.effects).toEqual([{ type: 'record-dominated', certificate: downRunning }]);
    expect([
      dom.state.height,
      dom.state.state,
      dom.state.open.size,
      dom.state.resolved.get(toHex(reduced.id)),
    ]).toEqual([2, 'PAUSED', 0, 2]);
    // Again: it resolves nothing new now.
    expect(
      pauseStep(dom.state, { type: 'certificate', certificate: downRunning }, now).validation,
    ).toMatchObject({
      code: 'K_STALE',
    });
    const conflict = net.cert(2, 'PAUSED', { signers: ['lab-b', 'lab-c', 'lab-d'] });
    // The same statement signed by other members is the same certificate (already applied).
    expect(pauseStep(s, { type: 'certificate', certificate: conflict }, now).validation).toMatchObject({
      code: 'K_STALE',
    });
    const other = net.cert(2, 'REDUCED', { step: 'down', resolves: [] });
    const atReduced = run(member('lab-d'), [
      { type: 'certificate', certificate: net.cert(1, 'PAUSED') },
      { type: 'certificate', certificate: other },
    ]).state;
    const up = net.cert(2, 'REDUCED', { step: 'up' });
    expect(pauseStep(atReduced, { type: 'certificate', certificate: up }, now).validation).toMatchObject({
      code: 'K_CONFLICT',
    });
  });

  it('a forged dominated certificate is rejected, not recorded (the signature is checked before anything is kept)', () => {
    const s = run(member('lab-d'), [
      { type: 'evidence', evidence: reduced.evidence },
      { type: 'certificate', certificate: net.cert(1, 'PAUSED') },
      { type: 'certificate', certificate: net.cert(2, 'PAUSED') },
    ]).state;
    const forged = {
      ...net.cert(2, 'RUNNING', { resolves: [reduced.id] }),
      signature: net.cert(1, 'PAUSED').signature,
    };
    const r = pauseStep(s, { type: 'certificate', certificate: forged }, now);
    expect(r.validation).toMatchObject({ ok: false, action: 'reject', code: 'K_SIGNATURE' });
    expect(r.state).toBe(s);
  });

  it('restarts from the applied certificate and the signed record: the escalation height and the levels signed there hold', () => {
    const s = member('lab-a', {
      certificate: net.cert(1, 'REDUCED'),
      signed: [{ height: 1, target: 'REDUCED', step: 'up' }],
    });
    expect(escalationHeight(s)).toBe(1);
    const again = run(s, [{ type: 'evidence', evidence: net.capBreach('lab-c', 'trainingFlop').evidence }]);
    expect(signs(again.effects)).toEqual([]);
    const up = run(s, [{ type: 'evidence', evidence: paused.evidence }]);
    expect(signs(up.effects).map(sig)).toEqual(['up PAUSED@1']);
  });
});

describe('checkSigning (P_NO_DOUBLE_SIGN)', () => {
  const up = (target: 'REDUCED' | 'PAUSED') => ({ target, step: 'up' as const, resolves: [] });
  const down = (target: 'RUNNING' | 'REDUCED', resolves: Uint8Array[] = []) => ({
    target,
    step: 'down' as const,
    resolves,
  });
  const id = new Uint8Array(32).fill(1);
  it('one step down, first; then strictly increasing levels; the same statement is re-sent, never re-signed', () => {
    expect(checkSigning([], down('RUNNING'))).toEqual({ kind: 'new' });
    expect(checkSigning([down('RUNNING', [id])], down('RUNNING', [id]))).toEqual({ kind: 'same' });
    expect(checkSigning([down('RUNNING', [id])], down('RUNNING'))).toMatchObject({
      kind: 'refused',
      code: 'P_DOWN_NOT_FIRST',
    });
    expect(checkSigning([down('RUNNING')], down('REDUCED'))).toMatchObject({
      kind: 'refused',
      code: 'P_DOWN_NOT_FIRST',
    });
    expect(checkSigning([up('REDUCED')], down('RUNNING'))).toMatchObject({
      kind: 'refused',
      code: 'P_DOWN_NOT_FIRST',
    });
    expect(checkSigning([down('RUNNING')], up('REDUCED'))).toEqual({ kind: 'new' });
    expect(checkSigning([down('REDUCED')], up('REDUCED'))).toMatchObject({
      kind: 'refused',
      code: 'P_LEVEL_ORDER',
    });
    expect(checkSigning([up('REDUCED')], up('PAUSED'))).toEqual({ kind: 'new' });
    expect(checkSigning([up('PAUSED')], up('REDUCED'))).toMatchObject({
      kind: 'refused',
      code: 'P_LEVEL_ORDER',
    });
    expect(checkSigning([up('PAUSED')], up('PAUSED'))).toEqual({ kind: 'same' });
  });
});
