import { describe, expect, it } from 'vitest';
import { signVote } from '../src/sign.js';
import { networkIdOf, statementBytes } from '../src/signing.js';
import type { Certificate, Validation } from '../src/types.js';
import { validateCertificate } from '../src/validation/certificate.js';
import { type VoteContext, validateVote } from '../src/validation/vote.js';
import { blsSign, blsVerify, recoverSignature } from './helpers/bls.js';
import {
  bls,
  epochStart,
  genesis,
  labKeys,
  makeGenesis,
  networkId,
  outsiderKey,
  vote,
} from './helpers/fixtures.js';

const now = epochStart(2);
const vctx = (over: Partial<VoteContext> = {}): VoteContext => ({
  genesis,
  networkId,
  now,
  currentHeight: 0,
  verifyPartial: blsVerify,
  ...over,
});

function expectFail(v: Validation, code: string, action: 'reject' | 'ignore') {
  expect(v).toMatchObject({ ok: false, code, action });
}

describe('vote validation (V_*)', () => {
  it('accepts a valid pause vote with evidence refs', () => {
    expect(
      validateVote(vote('lab-b', 1, 'PAUSED', { evidence: [new Uint8Array(32).fill(1)] }), vctx()),
    ).toEqual({ ok: true });
  });
  it('V_SIZE: too many evidence refs', () => {
    const refs = Array.from({ length: 17 }, (_, i) => new Uint8Array(32).fill(i));
    const sv = vote('lab-b', 1);
    expectFail(validateVote({ ...sv, vote: { ...sv.vote, evidence: refs } }, vctx()), 'V_SIZE', 'reject');
  });
  it('V_NETWORK: another network', () => {
    const sv = vote('lab-b', 1);
    const other = networkIdOf(makeGenesis({ withDkg: false }));
    expectFail(
      validateVote(signVote({ ...sv.vote, networkId: other }, labKeys['lab-b']!), vctx()),
      'V_NETWORK',
      'reject',
    );
  });
  it('V_MEMBER: voter not in genesis', () => {
    expectFail(validateVote(vote('lab-x', 1), vctx()), 'V_MEMBER', 'reject');
  });
  it('V_TARGET: a step up never targets RUNNING, a step down never PAUSED, and nothing steps down at height 1', () => {
    const sv = vote('lab-b', 2, 'PAUSED');
    const h1 = vctx({ currentHeight: 1 });
    expectFail(
      validateVote(signVote({ ...sv.vote, target: 'RUNNING' }, labKeys['lab-b']!), h1),
      'V_TARGET',
      'reject',
    );
    const down = vote('lab-b', 2, 'RUNNING');
    expectFail(
      validateVote(signVote({ ...down.vote, target: 'PAUSED' }, labKeys['lab-b']!), h1),
      'V_TARGET',
      'reject',
    );
    expectFail(validateVote(vote('lab-b', 1, 'RUNNING'), vctx()), 'V_TARGET', 'reject');
    // REDUCED both ways: an escalation at 1, a step down from PAUSED at 2.
    expect(validateVote(vote('lab-b', 1, 'REDUCED'), vctx())).toEqual({ ok: true });
    expect(validateVote(vote('lab-b', 2, 'REDUCED', { step: 'down' }), h1)).toEqual({ ok: true });
  });
  it('V_REFS: duplicate refs, or refs on a resume vote', () => {
    const r = new Uint8Array(32).fill(2);
    expectFail(validateVote(vote('lab-b', 1, 'PAUSED', { evidence: [r, r] }), vctx()), 'V_REFS', 'reject');
    expectFail(
      validateVote(vote('lab-b', 2, 'RUNNING', { evidence: [r] }), vctx({ currentHeight: 1 })),
      'V_REFS',
      'reject',
    );
  });
  it('V_BREACHES: a pause vote cites 1..16 ascending breach ids; a resume vote none', () => {
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    expect(validateVote(vote('lab-b', 1, 'PAUSED', { breaches: [a, b] }), vctx())).toEqual({ ok: true });
    expectFail(validateVote(vote('lab-b', 1, 'PAUSED', { breaches: [] }), vctx()), 'V_BREACHES', 'reject');
    expectFail(
      validateVote(vote('lab-b', 1, 'PAUSED', { breaches: [b, a] }), vctx()),
      'V_BREACHES',
      'reject',
    );
    expectFail(
      validateVote(vote('lab-b', 1, 'PAUSED', { breaches: [a, a] }), vctx()),
      'V_BREACHES',
      'reject',
    );
    expectFail(
      validateVote(vote('lab-b', 2, 'RUNNING', { breaches: [a] }), vctx({ currentHeight: 1 })),
      'V_BREACHES',
      'reject',
    );
  });
  it('V_RESOLVES: a resume vote resolves ascending ids, bound by its partial; a pause vote resolves nothing', () => {
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    const h1 = vctx({ currentHeight: 1 });
    expect(validateVote(vote('lab-b', 2, 'RUNNING', { resolves: [a, b] }), h1)).toEqual({ ok: true });
    expect(validateVote(vote('lab-b', 2, 'RUNNING', { resolves: [] }), h1)).toEqual({ ok: true });
    const ab = vote('lab-b', 2, 'RUNNING', { resolves: [a, b] });
    expectFail(
      validateVote(signVote({ ...ab.vote, resolves: [b, a] }, labKeys['lab-b']!), h1),
      'V_RESOLVES',
      'reject',
    );
    // (a PAUSED statement cannot carry resolves: the partial cannot even be made, so sign with a placeholder)
    const sv = vote('lab-b', 1, 'PAUSED');
    expectFail(
      validateVote(signVote({ ...sv.vote, resolves: [a] }, labKeys['lab-b']!), vctx()),
      'V_RESOLVES',
      'reject',
    );
    // The partial covers the resolves digest: the same partial under another set does not verify.
    const signedAb = vote('lab-b', 2, 'RUNNING', { resolves: [a, b] });
    expectFail(
      validateVote(signVote({ ...signedAb.vote, resolves: [a] }, labKeys['lab-b']!), h1),
      'V_PARTIAL',
      'reject',
    );
  });
  it('V_STALE: below the applied height; at it, a step down or a level not above the applied one', () => {
    expectFail(validateVote(vote('lab-b', 1), vctx({ currentHeight: 2 })), 'V_STALE', 'ignore');
    const at1 = vctx({ currentHeight: 1, currentLevel: 'REDUCED' });
    expectFail(validateVote(vote('lab-b', 1, 'REDUCED'), at1), 'V_STALE', 'ignore');
    // Escalation dominates within a height: PAUSED at the applied height 1 (REDUCED) is open.
    expect(validateVote(vote('lab-b', 1, 'PAUSED'), at1)).toEqual({ ok: true });
    expectFail(
      validateVote(vote('lab-b', 1, 'PAUSED'), vctx({ currentHeight: 1, currentLevel: 'PAUSED' })),
      'V_STALE',
      'ignore',
    );
    expectFail(
      validateVote(vote('lab-b', 2, 'RUNNING'), vctx({ currentHeight: 2, currentLevel: 'RUNNING' })),
      'V_STALE',
      'ignore',
    );
    // Without the applied level the validator cannot tell; the pause machine judges it.
    expect(validateVote(vote('lab-b', 1, 'PAUSED'), vctx({ currentHeight: 1 }))).toEqual({ ok: true });
  });
  it('V_FUTURE: height beyond current + 1', () => {
    expectFail(validateVote(vote('lab-b', 3), vctx({ currentHeight: 1 })), 'V_FUTURE', 'ignore');
  });
  it('V_FROM_FUTURE: issuedAt beyond now + skew', () => {
    expectFail(
      validateVote(vote('lab-b', 1, 'PAUSED', { issuedAt: now + 30_001 }), vctx()),
      'V_FROM_FUTURE',
      'ignore',
    );
  });
  it('V_SIGNATURE: Ed25519 envelope by the wrong key', () => {
    expectFail(validateVote(signVote(vote('lab-b', 1).vote, outsiderKey), vctx()), 'V_SIGNATURE', 'reject');
  });
  it('V_NO_DKG: genesis without DKG result', () => {
    const g = makeGenesis({ withDkg: false });
    const id = networkId; // votes are bound to the fixture network id; only the dkg lookup differs here
    expectFail(validateVote(vote('lab-b', 1), vctx({ genesis: g, networkId: id })), 'V_NO_DKG', 'ignore');
  });
  it("V_PARTIAL: partial made with another member's share", () => {
    const wrong = blsSign(
      bls.secretShares[0]!,
      statementBytes({ networkId, height: 1, target: 'PAUSED', step: 'up', resolves: [] }),
    );
    expectFail(validateVote(vote('lab-b', 1, 'PAUSED', { partial: wrong }), vctx()), 'V_PARTIAL', 'reject');
    // A partial over PAUSED does not verify as a REDUCED vote: the level byte is signed.
    const paused = vote('lab-b', 1, 'PAUSED');
    expectFail(
      validateVote(signVote({ ...paused.vote, target: 'REDUCED' }, labKeys['lab-b']!), vctx()),
      'V_PARTIAL',
      'reject',
    );
  });
});

describe('certificate validation (K_*)', () => {
  const stmt = statementBytes({ networkId, height: 1, target: 'PAUSED', step: 'up', resolves: [] });
  const partials = [0, 1, 2, 3].map((i) => ({
    index: i + 1,
    signature: blsSign(bls.secretShares[i]!, stmt),
  }));
  const sig = recoverSignature(partials.slice(0, 3));
  const cert: Certificate = {
    networkId,
    height: 1,
    target: 'PAUSED',
    step: 'up',
    signers: ['lab-a', 'lab-b', 'lab-c'],
    resolves: [],
    signature: sig,
  };
  const kctx = { genesis, networkId, currentHeight: 0, blsVerify };

  it('any t partials recover the same group signature, which verifies', () => {
    expect(recoverSignature([partials[3]!, partials[1]!, partials[0]!])).toEqual(sig);
    expect(validateCertificate(cert, kctx)).toEqual({ ok: true });
  });
  it('K_SIZE: malformed signature length', () => {
    expectFail(validateCertificate({ ...cert, signature: sig.subarray(1) }, kctx), 'K_SIZE', 'reject');
  });
  it('K_NETWORK: another network', () => {
    expectFail(validateCertificate({ ...cert, networkId: new Uint8Array(32) }, kctx), 'K_NETWORK', 'reject');
  });
  it('K_TARGET: a step up never targets RUNNING, a step down never PAUSED, and nothing steps down at height 1', () => {
    expectFail(validateCertificate({ ...cert, target: 'RUNNING' }, kctx), 'K_TARGET', 'reject');
    expectFail(validateCertificate({ ...cert, step: 'down' }, kctx), 'K_TARGET', 'reject');
    expectFail(validateCertificate({ ...cert, target: 'REDUCED', step: 'down' }, kctx), 'K_TARGET', 'reject');
  });
  it('K_STALE: the caller (the pause machine) judges it, before the signature check', () => {
    let seen: Certificate | null = null;
    const stale = (c: Certificate) => {
      seen = c;
      return { ok: false as const, action: 'ignore' as const, code: 'K_STALE', detail: 'x' };
    };
    // A forged signature is not even checked: the certificate changes nothing.
    expectFail(
      validateCertificate({ ...cert, signature: new Uint8Array(96).fill(1) }, { ...kctx, stale }),
      'K_STALE',
      'ignore',
    );
    expect(seen).not.toBeNull();
    // Without the judgement a certificate at or below the applied height is not stale here.
    expect(validateCertificate(cert, { ...kctx, currentHeight: 1 })).toEqual({ ok: true });
  });
  it('K_FUTURE: a height beyond current + 1 waits for the heights in between (sync)', () => {
    expectFail(validateCertificate({ ...cert, height: 3 }, kctx), 'K_FUTURE', 'ignore');
  });
  it('K_RESOLVES: a pause certificate resolves nothing; a resume one ascending ids bound by the signature', () => {
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    expectFail(validateCertificate({ ...cert, resolves: [a] }, kctx), 'K_RESOLVES', 'reject');
    const resume = {
      networkId,
      height: 2,
      target: 'RUNNING' as const,
      step: 'down' as const,
      resolves: [a, b],
    };
    const rsig = recoverSignature(
      [0, 1, 2].map((i) => ({
        index: i + 1,
        signature: blsSign(bls.secretShares[i]!, statementBytes(resume)),
      })),
    );
    const k2 = { ...kctx, currentHeight: 1 };
    const rc: Certificate = { ...resume, signers: ['lab-a', 'lab-b', 'lab-c'], signature: rsig };
    expect(validateCertificate(rc, k2)).toEqual({ ok: true });
    expectFail(validateCertificate({ ...rc, resolves: [b, a] }, k2), 'K_RESOLVES', 'reject');
    // Dropping or swapping a resolved id breaks the group signature: the set is bound by it.
    expectFail(validateCertificate({ ...rc, resolves: [a] }, k2), 'K_SIGNATURE', 'reject');
    expectFail(validateCertificate({ ...rc, resolves: [] }, k2), 'K_SIGNATURE', 'reject');
  });
  it('K_SIGNERS: unknown, duplicated or unordered signers', () => {
    expectFail(
      validateCertificate({ ...cert, signers: ['lab-a', 'lab-b', 'lab-z'] }, kctx),
      'K_SIGNERS',
      'reject',
    );
    expectFail(
      validateCertificate({ ...cert, signers: ['lab-a', 'lab-b', 'lab-b'] }, kctx),
      'K_SIGNERS',
      'reject',
    );
    expectFail(
      validateCertificate({ ...cert, signers: ['lab-b', 'lab-a', 'lab-c'] }, kctx),
      'K_SIGNERS',
      'reject',
    );
  });
  it('K_THRESHOLD: fewer than t signers', () => {
    expectFail(validateCertificate({ ...cert, signers: ['lab-a', 'lab-b'] }, kctx), 'K_THRESHOLD', 'reject');
  });
  it('K_NO_DKG: genesis without group key', () => {
    expectFail(
      validateCertificate(cert, { ...kctx, genesis: makeGenesis({ withDkg: false }) }),
      'K_NO_DKG',
      'ignore',
    );
  });
  it('K_SIGNATURE: t-1 partials do not make a valid group signature', () => {
    expectFail(
      validateCertificate({ ...cert, signature: recoverSignature(partials.slice(0, 2)) }, kctx),
      'K_SIGNATURE',
      'reject',
    );
  });
});
