import { breachKeyOf, breachSubject } from '../breach.js';
import { bytesEqual } from '../bytes.js';
import { encodeCertificate, encodeSignedVote } from '../codec/codec.js';
import type { Certificate, SignedCommitment, SignedEvidence, SignedVote, Validation } from '../types.js';
import { validateCertificate } from '../validation/certificate.js';
import { validateCommitment } from '../validation/commitment.js';
import { validateEvidence } from '../validation/evidence.js';
import { type BlsVerifyFn, guard, ignore, reject, skewOf } from '../validation/result.js';
import { validateVote } from '../validation/vote.js';
import type { RevisionChain } from './chain.js';

/**
 * The pause messages validated under the revision that governs them (docs/protocol.md "Messages under
 * revisions"): commitments and evidence under the revision in effect at their epoch; votes under the
 * revision they name, only while it is active; certificates' signers under the revision they name.
 * Each runs the revision's rules first, then the unchanged C_* / E_* / V_* / K_* rules with that genesis.
 */

export interface ChainContext {
  chain: RevisionChain;
  /** Caller's clock, unix ms. */
  now: number;
  clockSkewMs?: number;
}

/** Commitment rules under the genesis in effect at the commitment's epoch. */
export function validateCommitmentInChain(
  sc: SignedCommitment,
  ctx: ChainContext & { lastOfLab?: { seq: number; hash: Uint8Array; epoch?: number }; historic?: boolean },
): Validation {
  return guard('C_SIZE', () => {
    const { chain, ...rest } = ctx;
    return validateCommitment(sc, {
      ...rest,
      genesis: chain.genesisAt(sc.commitment.epoch),
      networkId: chain.networkId,
    });
  });
}

/**
 * Evidence rules under the genesis in effect at the breach's epoch (reporter, subject, caps), each embedded
 * commitment under its own epoch's genesis.
 */
export function validateEvidenceInChain(se: SignedEvidence, ctx: ChainContext): Validation {
  return guard('E_SIZE', () => {
    const { chain, ...rest } = ctx;
    const { epoch } = breachSubject(breachKeyOf(se.evidence));
    return validateEvidence(se, {
      ...rest,
      genesis: chain.genesisAt(epoch),
      networkId: chain.networkId,
      genesisAt: (e) => chain.genesisAt(e),
    });
  });
}

/**
 * Vote rules under the revision the vote names (absent: 1). Before the V_* rules:
 * [IGNORE] V_REVISION_UNKNOWN: the revision is certified here (else sync the amendments first);
 * [REJECT] V_REVISION_EARLY: issuedAt >= the start of the revision's effective epoch (its new members sign
 * nothing before it is in effect);
 * [REJECT] V_REVISION_LATE: issuedAt < the end of the next revision's activation window (a share used
 * after the window, when honest holders have deleted it);
 * [IGNORE] V_REVISION_RETIRED: now <= the end of that window + skew (partials of a retired revision no
 * longer count).
 */
export function validateVoteInChain(
  sv: SignedVote,
  ctx: ChainContext & { currentHeight?: number; verifyPartial?: BlsVerifyFn },
): Validation {
  return guard('V_SIZE', () => {
    const { chain, ...rest } = ctx;
    const v = sv.vote;
    // V_SIZE and V_NETWORK first, as in validateVote: a malformed or foreign vote is rejected whatever it names.
    encodeSignedVote(sv);
    if (!bytesEqual(v.networkId, chain.networkId)) return reject('V_NETWORK', 'vote is for another network');
    const revision = v.revision ?? 1;
    const r = chain.get(revision);
    if (r === undefined)
      return ignore(
        'V_REVISION_UNKNOWN',
        `revision ${revision} is not certified here (head is ${chain.head.revision}): sync the amendments first`,
      );
    if (v.issuedAt < chain.activeFrom(revision))
      return reject(
        'V_REVISION_EARLY',
        `vote signed before revision ${revision} is in effect (epoch ${r.effectiveEpoch}): a new member votes only from then on`,
      );
    const retired = chain.retiredAt(revision);
    if (retired !== null && v.issuedAt >= retired)
      return reject(
        'V_REVISION_LATE',
        `vote signed with a revision-${revision} share after its activation window closed (${new Date(retired).toISOString()})`,
      );
    if (retired !== null && ctx.now > retired + skewOf(ctx))
      return ignore('V_REVISION_RETIRED', `revision ${revision} is retired: its partials no longer count`);
    return validateVote(sv, { ...rest, genesis: r.genesis, networkId: chain.networkId });
  });
}

/**
 * Certificate rules with the signers checked against the revision the certificate names (absent: 1):
 * [IGNORE] K_REVISION_UNKNOWN when it is not certified here. The group key never changes, so the
 * signature check is the same for every revision; a certificate stays valid after its revision retires.
 */
export function validateCertificateInChain(
  cert: Certificate,
  ctx: { chain: RevisionChain; currentHeight?: number; blsVerify?: BlsVerifyFn },
): Validation {
  return guard('K_SIZE', () => {
    const { chain, ...rest } = ctx;
    encodeCertificate(cert);
    if (!bytesEqual(cert.networkId, chain.networkId))
      return reject('K_NETWORK', 'certificate is for another network (network id differs from this genesis)');
    const revision = cert.revision ?? 1;
    const r = chain.get(revision);
    if (r === undefined)
      return ignore(
        'K_REVISION_UNKNOWN',
        `revision ${revision} is not certified here (head is ${chain.head.revision}): sync the amendments first`,
      );
    return validateCertificate(cert, { ...rest, genesis: r.genesis, networkId: chain.networkId });
  });
}

/**
 * The revisions whose shares `lab` signs a pause statement with at `now`, ascending: every active revision
 * it is a member of. Inside an activation window that is the old and the new revision (one statement, two
 * partials, both published: not a double signature); the node signs only with shares it holds.
 */
export function signingRevisions(chain: RevisionChain, lab: string, now: number): number[] {
  return chain
    .activeAt(now)
    .filter((r) => r.genesis.members.some((m) => m.id === lab))
    .map((r) => r.revision);
}

/** Revisions whose activation window has closed at `now`: honest holders delete their shares of these. */
export function retiredRevisions(chain: RevisionChain, now: number): number[] {
  return chain.revisions
    .filter((r) => {
      const until = chain.retiredAt(r.revision);
      return until !== null && now >= until;
    })
    .map((r) => r.revision);
}

/**
 * From valid votes on ONE statement (validated in chain), the partials to recover the group signature
 * from: partials of different revisions lie on different polynomials and never combine, so this takes the
 * votes of a single revision that has at least its threshold of them (the newest such), by member index.
 * Null when no revision has enough.
 */
export function partialsForRecovery(
  votes: readonly SignedVote[],
  chain: RevisionChain,
): {
  revision: number;
  threshold: number;
  partials: { index: number; voter: string; signature: Uint8Array }[];
} | null {
  const byRevision = new Map<number, SignedVote[]>();
  for (const v of votes) {
    const r = v.vote.revision ?? 1;
    byRevision.set(r, [...(byRevision.get(r) ?? []), v]);
  }
  for (const revision of [...byRevision.keys()].sort((a, b) => b - a)) {
    const r = chain.get(revision);
    if (r === undefined) continue;
    const seen = new Set<string>();
    const partials: { index: number; voter: string; signature: Uint8Array }[] = [];
    for (const v of byRevision.get(revision) ?? []) {
      const m = r.genesis.members.find((x) => x.id === v.vote.voter);
      if (m === undefined || seen.has(m.id)) continue;
      seen.add(m.id);
      partials.push({ index: m.index, voter: m.id, signature: v.vote.partial });
    }
    if (partials.length >= r.genesis.threshold)
      return {
        revision,
        threshold: r.genesis.threshold,
        partials: partials.sort((a, b) => a.index - b.index),
      };
  }
  return null;
}
