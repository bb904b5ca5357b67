import { describe, expect, it } from 'vitest';
import { checkCaps } from '../src/evidence.js';
import { createPauseState, pauseStep } from '../src/pause/machine.js';
import type { Certificate, Evidence } from '../src/types.js';
import { recoverSignature } from './helpers/bls.js';
import { epochStart, fileEvidence, genesis, metrics, networkId, signed, vote } from './helpers/fixtures.js';

// Events the caller marks `validated` (the node validates every message once, on ingest): the machine
// checks no signature again but keeps its state rules.
const now = epochStart(2) + 10_000;
const fresh = () => createPauseState(genesis, { networkId });
const flipped = (b: Uint8Array) => {
  const c = b.slice();
  c[c.length - 1] = (c[c.length - 1] ?? 0) ^ 1;
  return c;
};

describe('pauseStep with validated events', () => {
  it('a vote: no partial or signature check (a corrupted partial is taken), height rules still apply', () => {
    const good = vote('lab-b', 1);
    // lab-c's partial under lab-b's (valid) Ed25519 signature
    const bad = vote('lab-b', 1, 'PAUSED', { partial: vote('lab-c', 1).vote.partial });
    expect(good.vote.partial).not.toEqual(bad.vote.partial);
    expect(pauseStep(fresh(), { type: 'vote', vote: bad }, now).validation).toMatchObject({
      ok: false,
      code: 'V_PARTIAL',
    });
    expect(pauseStep(fresh(), { type: 'vote', vote: bad, validated: true }, now).validation.ok).toBe(true);
    const future = vote('lab-b', 3);
    expect(pauseStep(fresh(), { type: 'vote', vote: future, validated: true }, now).validation).toMatchObject(
      { ok: false, action: 'ignore', code: 'V_FUTURE' },
    );
  });

  it('a certificate: no group signature check, K_STALE / K_FUTURE still apply', () => {
    const voters = ['lab-a', 'lab-b', 'lab-c'].map((l) => vote(l, 1));
    const cert: Certificate = {
      networkId,
      height: 1,
      target: 'PAUSED',
      step: 'up',
      signers: voters.map((v) => v.vote.voter),
      resolves: [],
      signature: recoverSignature(voters.map((v, i) => ({ index: i + 1, signature: v.vote.partial }))),
    };
    const forged = { ...cert, signature: flipped(cert.signature) };
    expect(pauseStep(fresh(), { type: 'certificate', certificate: forged }, now).validation.ok).toBe(false);
    const r = pauseStep(fresh(), { type: 'certificate', certificate: cert, validated: true }, now);
    expect(r.validation.ok).toBe(true);
    expect(r.state.height).toBe(1);
    expect(
      pauseStep(r.state, { type: 'certificate', certificate: cert, validated: true }, now).validation,
    ).toMatchObject({ ok: false, code: 'K_STALE' });
    const ahead = { ...cert, height: 3 };
    expect(
      pauseStep(fresh(), { type: 'certificate', certificate: ahead, validated: true }, now).validation,
    ).toMatchObject({ ok: false, code: 'K_FUTURE' });
  });

  it('evidence: no signature check; an open breach is still not opened twice', () => {
    const over = signed({ lab: 'lab-d', metrics: metrics({ trainingFlop: 2n * 10n ** 26n }) });
    const ev = fileEvidence(checkCaps(over, genesis.policy) as Evidence, 'lab-b', epochStart(2));
    const badSig = { ...ev, signature: flipped(ev.signature) };
    expect(pauseStep(fresh(), { type: 'evidence', evidence: badSig }, now).validation).toMatchObject({
      code: 'E_SIGNATURE',
    });
    const r = pauseStep(fresh(), { type: 'evidence', evidence: ev, validated: true }, now);
    expect(r.validation.ok).toBe(true);
    expect(r.state.open.size).toBe(1);
    expect(
      pauseStep(r.state, { type: 'evidence', evidence: ev, validated: true }, now).validation,
    ).toMatchObject({ ok: false, code: 'P_BREACH_OPEN' });
  });
});
