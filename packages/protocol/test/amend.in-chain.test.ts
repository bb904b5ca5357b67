import { describe, expect, it } from 'vitest';
import { verifyAmendmentChain } from '../src/amend/chain-verify.js';
import {
  partialsForRecovery,
  retiredRevisions,
  signingRevisions,
  validateCertificateInChain,
  validateCommitmentInChain,
  validateEvidenceInChain,
  validateVoteInChain,
} from '../src/amend/in-chain.js';
import { toHex } from '../src/bytes.js';
import { signCommitment, signEvidence, signVote } from '../src/sign.js';
import { statementBytes } from '../src/signing.js';
import type { Certificate, LabId, SignedVote, Statement, Validation } from '../src/types.js';
import {
  bls2,
  certified2,
  certified3,
  chain2,
  genesis2,
  genesis3,
  indexIn,
  keyOf,
  SHARES,
} from './helpers/amend.js';
import { blsSign, recoverSignature } from './helpers/bls.js';
import { bls, commitment, epochStart, genesis, metrics, networkId, SOME_BREACH } from './helpers/fixtures.js';

function expectFail(v: Validation, code: string, action: 'reject' | 'ignore') {
  expect(v).toMatchObject({ ok: false, code, action });
}

const chain3 = verifyAmendmentChain(genesis, [certified2, certified3]);
const ST: Statement = { networkId, height: 1, target: 'PAUSED', step: 'up', resolves: [] };
const GENESES = { 1: genesis, 2: genesis2(), 3: genesis3() } as const;

/** A pause vote at height 1 by `voter` with its share of `revision` (revision 1 omitted on the wire). */
function pauseVote(
  voter: LabId,
  revision: 1 | 2 | 3,
  issuedAt: number,
  shareRevision = revision,
): SignedVote {
  const share = SHARES[shareRevision]!.secretShares[indexIn(GENESES[shareRevision], voter) - 1] as Uint8Array;
  return signVote(
    {
      networkId,
      height: 1,
      target: 'PAUSED',
      step: 'up',
      voter,
      partial: blsSign(share, statementBytes(ST)),
      evidence: [],
      breaches: [SOME_BREACH],
      resolves: [],
      issuedAt,
      ...(revision > 1 && { revision }),
    },
    keyOf(voter),
  );
}

describe('votes under the revision they name', () => {
  const at = (t: number) => ({ chain: chain2, now: t });

  it('a new member votes with its new share once its revision is in effect; before, it is refused (V_REVISION_EARLY)', () => {
    expect(validateVoteInChain(pauseVote('lab-e', 2, epochStart(3) + 1), at(epochStart(3) + 5))).toEqual({
      ok: true,
    });
    // Signed before epoch 3, when revision 2 takes effect: lab-e signs nothing before its share is in effect.
    expectFail(
      validateVoteInChain(pauseVote('lab-e', 2, epochStart(2)), at(epochStart(3) + 5)),
      'V_REVISION_EARLY',
      'reject',
    );
    // Under revision 1 lab-e is no member at all.
    expectFail(
      validateVoteInChain(pauseVote('lab-e', 1, epochStart(3) + 1, 2), at(epochStart(3) + 5)),
      'V_MEMBER',
      'reject',
    );
  });

  it('a revision not certified here is ignored until synced (V_REVISION_UNKNOWN)', () => {
    expectFail(
      validateVoteInChain(pauseVote('lab-a', 3, epochStart(6) + 1), at(epochStart(6) + 5)),
      'V_REVISION_UNKNOWN',
      'ignore',
    );
  });

  it('the old revision counts until the activation window closes, then not (V_REVISION_RETIRED, V_REVISION_LATE)', () => {
    // Inside the window (epoch 3) lab-a's revision-1 partial counts.
    expect(validateVoteInChain(pauseVote('lab-a', 1, epochStart(3) + 1), at(epochStart(3) + 5))).toEqual({
      ok: true,
    });
    // Signed inside the window but arriving after it (+ skew): no longer counts.
    expectFail(
      validateVoteInChain(pauseVote('lab-a', 1, epochStart(4) - 1), at(epochStart(4) + 31_000)),
      'V_REVISION_RETIRED',
      'ignore',
    );
    // Signed with a revision-1 share after the window: honest holders have deleted that share.
    expectFail(
      validateVoteInChain(pauseVote('lab-a', 1, epochStart(4)), at(epochStart(4) + 5)),
      'V_REVISION_LATE',
      'reject',
    );
  });

  it('the partial must match the named revision (V_PARTIAL); foreign and malformed votes are refused first (V_NETWORK)', () => {
    expectFail(
      validateVoteInChain(pauseVote('lab-a', 2, epochStart(3) + 1, 1), at(epochStart(3) + 5)),
      'V_PARTIAL',
      'reject',
    );
    const v = pauseVote('lab-a', 3, epochStart(6) + 1, 2);
    expectFail(
      validateVoteInChain({ ...v, vote: { ...v.vote, networkId: new Uint8Array(32) } }, at(epochStart(6))),
      'V_NETWORK',
      'reject',
    );
  });

  it('old-share and new-share partials of one statement recover the same group signature, but never mix', () => {
    const t = epochStart(3) + 1;
    const old = ['lab-a', 'lab-b', 'lab-c'].map((l) => pauseVote(l, 1, t));
    const nu = ['lab-b', 'lab-c', 'lab-d', 'lab-e'].map((l) => pauseVote(l, 2, t));
    for (const v of [...old, ...nu]) expect(validateVoteInChain(v, at(t + 5))).toEqual({ ok: true });
    const fromOld = partialsForRecovery(old, chain2)!;
    const fromNew = partialsForRecovery(nu, chain2)!;
    expect(fromOld.revision).toBe(1);
    expect(fromNew.revision).toBe(2);
    expect(fromNew.partials.map((p) => p.index)).toEqual([2, 3, 4, 5]);
    const sigOld = recoverSignature(fromOld.partials);
    const sigNew = recoverSignature(fromNew.partials);
    expect(toHex(sigOld)).toBe(toHex(sigNew));
    // Two of each: neither revision reaches its threshold, and partials of different revisions never combine.
    expect(partialsForRecovery([...old.slice(0, 2), ...nu.slice(0, 2)], chain2)).toBeNull();
    // Both revisions complete: the newest is used.
    expect(partialsForRecovery([...old, ...nu], chain2)!.revision).toBe(2);
    // A duplicate voter counts once.
    expect(partialsForRecovery([old[0]!, old[0]!, old[1]!], chain2)).toBeNull();
  });

  it('which shares a member signs with (dual publishing in the window), which shares are retired', () => {
    const revs = (lab: LabId, t: number) => signingRevisions(chain3, lab, t);
    expect(revs('lab-a', epochStart(2))).toEqual([1]);
    expect(revs('lab-a', epochStart(3) + 1)).toEqual([1, 2]);
    expect(revs('lab-a', epochStart(4))).toEqual([2]);
    expect(revs('lab-e', epochStart(2))).toEqual([]);
    expect(revs('lab-e', epochStart(3))).toEqual([2]);
    // lab-b leaves with revision 3: it signs with its revision-2 share until the window closes, then nothing.
    expect(revs('lab-b', epochStart(6) + 1)).toEqual([2]);
    expect(revs('lab-b', epochStart(7))).toEqual([]);
    expect(retiredRevisions(chain3, epochStart(4) - 1)).toEqual([]);
    expect(retiredRevisions(chain3, epochStart(4))).toEqual([1]);
    expect(retiredRevisions(chain3, epochStart(7))).toEqual([1, 2]);
  });
});

describe('certificates name the revision of their signers', () => {
  const sig = recoverSignature(
    ['lab-b', 'lab-c', 'lab-d', 'lab-e'].map((l) => ({
      index: indexIn(genesis2(), l),
      signature: blsSign(bls2.secretShares[indexIn(genesis2(), l) - 1]!, statementBytes(ST)),
    })),
  );
  const cert: Certificate = {
    networkId,
    height: 1,
    target: 'PAUSED',
    step: 'up',
    signers: ['lab-b', 'lab-c', 'lab-d', 'lab-e'],
    resolves: [],
    signature: sig,
    revision: 2,
  };

  it('signers checked against the named revision; the group signature is the same for every revision', () => {
    expect(validateCertificateInChain(cert, { chain: chain2 })).toEqual({ ok: true });
    expectFail(
      validateCertificateInChain({ ...cert, revision: undefined }, { chain: chain2 }),
      'K_SIGNERS',
      'reject',
    );
    expectFail(
      validateCertificateInChain({ ...cert, signers: ['lab-b', 'lab-c', 'lab-d'] }, { chain: chain2 }),
      'K_THRESHOLD',
      'reject',
    );
    expectFail(
      validateCertificateInChain({ ...cert, revision: 3 }, { chain: chain2 }),
      'K_REVISION_UNKNOWN',
      'ignore',
    );
    // Revision 1's members with the same signature: valid too (any t of either sharing recover it).
    expect(
      validateCertificateInChain(
        { ...cert, signers: ['lab-a', 'lab-b', 'lab-c'], revision: undefined },
        { chain: chain2 },
      ),
    ).toEqual({ ok: true });
    const signedBy1 = recoverSignature(
      [1, 2, 3].map((i) => ({ index: i, signature: blsSign(bls.secretShares[i - 1]!, statementBytes(ST)) })),
    );
    expect(toHex(signedBy1)).toBe(toHex(sig));
  });
});

describe('commitments and evidence under the revision in effect at their epoch', () => {
  const ctx = { chain: chain3, now: epochStart(20), historic: true };
  const commit = (lab: LabId, epoch: number, over: Parameters<typeof commitment>[0] = {}) =>
    signCommitment(
      commitment({ lab, epoch, seq: epoch, prev: new Uint8Array(32).fill(1), ...over }),
      keyOf(lab),
    );

  it('a lab commits only while it is a member: lab-e from epoch 3, lab-b until epoch 5', () => {
    expectFail(validateCommitmentInChain(commit('lab-e', 2), ctx), 'C_MEMBER', 'reject');
    expect(validateCommitmentInChain(commit('lab-e', 3), ctx)).toEqual({ ok: true });
    expect(validateCommitmentInChain(commit('lab-b', 5), ctx)).toEqual({ ok: true });
    expectFail(validateCommitmentInChain(commit('lab-b', 6), ctx), 'C_MEMBER', 'reject');
  });

  it('caps are those of the epoch: 1.5e26 FLOP breaches revision 2 (epoch 5), not revision 3 (epoch 6)', () => {
    const over = (epoch: number) =>
      signEvidence(
        {
          networkId,
          evidence: {
            kind: 'cap-exceeded',
            commitment: commit('lab-a', epoch, { metrics: metrics({ trainingFlop: 15n * 10n ** 25n }) }),
            cap: 'trainingFlop',
          },
          reporter: 'lab-c',
          issuedAt: epochStart(9),
        },
        keyOf('lab-c'),
      );
    const now = { chain: chain3, now: epochStart(10) };
    expect(validateEvidenceInChain(over(5), now)).toEqual({ ok: true });
    expectFail(validateEvidenceInChain(over(6), now), 'E_CAP_NOT_EXCEEDED', 'reject');
  });

  it('reporter and subject must be members at the evidence epoch; each embedded commitment is checked at its own epoch', () => {
    const missed = (reporter: LabId, lab: LabId, epoch: number) =>
      signEvidence(
        { networkId, evidence: { kind: 'missed', lab, epoch }, reporter, issuedAt: epochStart(epoch + 2) },
        keyOf(reporter),
      );
    const now = (e: number) => ({ chain: chain3, now: epochStart(e + 2) + 1 });
    expectFail(validateEvidenceInChain(missed('lab-a', 'lab-e', 2), now(2)), 'E_SUBJECT', 'reject');
    expect(validateEvidenceInChain(missed('lab-a', 'lab-e', 3), now(3))).toEqual({ ok: true });
    expectFail(validateEvidenceInChain(missed('lab-e', 'lab-a', 2), now(2)), 'E_REPORTER', 'reject');
    // lab-b equivocates on seq 5 across its departure (epochs 5 and 6): the epoch-6 commitment is no member's.
    const a = commit('lab-b', 5, { seq: 5 });
    const b = commit('lab-b', 6, { seq: 5 });
    const [x, y] = toHex(a.signature) < toHex(b.signature) ? [a, b] : [b, a];
    const eq = (p: typeof a, q: typeof a) =>
      signEvidence(
        {
          networkId,
          evidence: { kind: 'equivocation', a: p, b: q },
          reporter: 'lab-c',
          issuedAt: epochStart(8),
        },
        keyOf('lab-c'),
      );
    const v = [validateEvidenceInChain(eq(x, y), now(6)), validateEvidenceInChain(eq(y, x), now(6))];
    for (const r of v) expect(r).toMatchObject({ ok: false, code: 'E_COMMITMENT', action: 'reject' });
    expect(v.some((r) => !r.ok && r.detail.startsWith('C_MEMBER'))).toBe(true);
  });
});
