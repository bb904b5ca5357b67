import { ed25519Verify } from '@pausenet/crypto';
import { bytesEqual, compareBytes } from '../bytes.js';
import { encodeEvidenceBody, encodeSignedEvidence } from '../codec/codec.js';
import { baselineProblem, limitExcesses } from '../compliance/limits.js';
import { epochStart, judgedStaleAfter, missedAfter } from '../epoch.js';
import { baselineEpochsOf, effectiveLimits, levelRank } from '../level.js';
import { certificateHash, commitmentBodyHash, signingBytes } from '../signing.js';
import type { Genesis, PauseViolation, SignedEvidence, Validation } from '../types.js';
import { validateCertificate } from './certificate.js';
import { validateCommitmentIntrinsic } from './commitment.js';
import { validateReceiptIntrinsic } from './receipt.js';
import {
  type BaseContext,
  type BlsVerifyFn,
  guard,
  ignore,
  memberById,
  OK,
  reject,
  skewOf,
} from './result.js';

export interface EvidenceContext extends BaseContext {
  /** Group BLS verification of a pause-violation's certificate; default @pausenet/crypto blsVerify. */
  blsVerify?: BlsVerifyFn;
  /**
   * The genesis in effect at an epoch (docs/protocol.md "Amendments and revisions"): each embedded commitment
   * is checked under its own epoch's revision. Default: `genesis` for every epoch.
   */
  genesisAt?: (epoch: number) => Genesis;
}

/** Rules for signed evidence (docs/protocol.md "Validation rules", E_*). Self-proving kinds convince alone. */
export function validateEvidence(se: SignedEvidence, ctx: EvidenceContext): Validation {
  return guard('E_SIZE', () => {
    // [REJECT] E_SIZE: must encode canonically within MAX_BYTES.signedEvidence.
    encodeSignedEvidence(se);
    const { genesis, networkId } = ctx;
    // [REJECT] E_NETWORK: networkId is this network's id.
    if (!bytesEqual(se.networkId, networkId)) return reject('E_NETWORK', 'evidence is for another network');
    // [REJECT] E_REPORTER: reporter is a member, or an authorised auditor filing anything but `missed`.
    const member = memberById(genesis, se.reporter);
    const auditor = member ? undefined : genesis.policy.auditors.find((a) => a.id === se.reporter);
    const reporterKey = member?.publicKey ?? auditor?.publicKey;
    if (!reporterKey) return reject('E_REPORTER', `reporter ${se.reporter} is neither member nor auditor`);
    if (auditor && se.evidence.kind === 'missed')
      return reject('E_REPORTER', 'auditors cannot file missed evidence');
    // [IGNORE] E_FROM_FUTURE: issuedAt <= now + skew.
    if (se.issuedAt > ctx.now + skewOf(ctx))
      return ignore('E_FROM_FUTURE', `issuedAt ${se.issuedAt} ahead of now`);
    // [REJECT] E_SIGNATURE: Ed25519 by the reporter over signingBytes('evidence', networkId, body).
    const { signature, ...body } = se;
    if (!ed25519Verify(reporterKey, signingBytes('evidence', networkId, encodeEvidenceBody(body)), signature))
      return reject('E_SIGNATURE', `bad signature by ${se.reporter}`);
    const ev = se.evidence;
    const genesisOf = (epoch: number) => ctx.genesisAt?.(epoch) ?? genesis;
    switch (ev.kind) {
      case 'cap-exceeded': {
        // [REJECT] E_COMMITMENT: embedded commitments pass the intrinsic C_* rules.
        const v = validateCommitmentIntrinsic(
          ev.commitment,
          genesisOf(ev.commitment.commitment.epoch),
          networkId,
        );
        if (!v.ok) return reject('E_COMMITMENT', `${v.code}: ${v.detail}`);
        // [REJECT] E_CAP_NOT_EXCEEDED: metrics[cap] > policy.caps[cap].
        if (!(ev.commitment.commitment.metrics[ev.cap] > genesis.policy.caps[ev.cap]))
          return reject('E_CAP_NOT_EXCEEDED', `${ev.cap} is within the cap`);
        return OK;
      }
      case 'equivocation': {
        for (const sc of [ev.a, ev.b]) {
          const v = validateCommitmentIntrinsic(sc, genesisOf(sc.commitment.epoch), networkId);
          if (!v.ok) return reject('E_COMMITMENT', `${v.code}: ${v.detail}`);
        }
        const a = ev.a.commitment;
        const b = ev.b.commitment;
        // [REJECT] E_EQUIV_MISMATCH: same lab, and same epoch or same seq.
        if (a.lab !== b.lab || (a.epoch !== b.epoch && a.seq !== b.seq))
          return reject('E_EQUIV_MISMATCH', 'commitments are not for the same lab and epoch/seq');
        // [REJECT] E_EQUIV_ORDER: bodyHash(a) < bodyHash(b) (equal bodies are no equivocation).
        const order = compareBytes(commitmentBodyHash(a), commitmentBodyHash(b));
        if (order === 0) return reject('E_EQUIV_ORDER', 'both commitments have the same content');
        if (order > 0) return reject('E_EQUIV_ORDER', 'a and b must be ordered by body hash');
        return OK;
      }
      case 'missed': {
        // [REJECT] E_SUBJECT: the accused lab is a member.
        if (!memberById(genesis, ev.lab)) return reject('E_SUBJECT', `lab ${ev.lab} is not a member`);
        // [IGNORE] E_MISSED_EARLY: now + skew >= start(epoch+1) + deadline + grace.
        if (ctx.now + skewOf(ctx) < missedAfter(genesis.policy, ev.epoch))
          return ignore('E_MISSED_EARLY', `epoch ${ev.epoch} is not past deadline+grace yet`);
        return staleness(ev.epoch, ctx);
      }
      case 'report': {
        if (!memberById(genesis, ev.subject)) return reject('E_SUBJECT', `lab ${ev.subject} is not a member`);
        return staleness(ev.epoch, ctx);
      }
      case 'pause-violation':
        return validatePauseViolation(ev, ctx);
    }
  });
}

/**
 * pause-violation (docs/protocol.md "pause-violation"): every part is the lab's own signed data or a
 * certificate, so it convinces anyone holding the genesis. Rules in order E_CERTIFICATE .. E_WITHIN_LIMITS.
 */
function validatePauseViolation(ev: PauseViolation, ctx: EvidenceContext): Validation {
  const { genesis, networkId } = ctx;
  const k = ev.certificate;
  // [REJECT] E_CERTIFICATE: the certificate passes the K_* rules without a current height (K_NO_DKG: ignore).
  const kv = validateCertificate(k, {
    genesis,
    networkId,
    ...(ctx.blsVerify ? { blsVerify: ctx.blsVerify } : {}),
  });
  if (!kv.ok) return { ...kv, code: 'E_CERTIFICATE', detail: `${kv.code}: ${kv.detail}` };
  // [REJECT] E_VIOLATION_LEVEL: the certificate puts a level above RUNNING in force (RUNNING has no limits).
  if (k.target === 'RUNNING')
    return reject('E_VIOLATION_LEVEL', 'a RUNNING certificate sets no limits: there is nothing to violate');
  const ack = ev.acknowledgment;
  const commitments = [ev.commitment, ...(ack.kind === 'commitment' ? [ack.commitment] : []), ...ev.baseline];
  // [REJECT] E_COMMITMENT: every embedded commitment passes the intrinsic C_* rules.
  for (const sc of commitments) {
    const v = validateCommitmentIntrinsic(sc, ctx.genesisAt?.(sc.commitment.epoch) ?? genesis, networkId);
    if (!v.ok) return reject('E_COMMITMENT', `${v.code}: ${v.detail}`);
  }
  const c = ev.commitment.commitment;
  const ackLab = ack.kind === 'receipt' ? ack.receipt.receipt.lab : ack.commitment.commitment.lab;
  // [REJECT] E_VIOLATION_LAB: the acknowledgment and the baseline are the accused lab's own (a receipt or
  // commitment of another lab proves nothing about this one).
  if (ackLab !== c.lab || ev.baseline.some((sc) => sc.commitment.lab !== c.lab))
    return reject(
      'E_VIOLATION_LAB',
      `the acknowledgment and baseline must be ${c.lab}'s own (got ${ackLab}${ev.baseline.length ? ` and ${[...new Set(ev.baseline.map((b) => b.commitment.lab))].join(', ')}` : ''})`,
    );
  let ackAt: number;
  if (ack.kind === 'receipt') {
    // [REJECT] E_RECEIPT: the receipt passes the intrinsic R_* rules (signed by the lab itself).
    const rv = validateReceiptIntrinsic(ack.receipt, genesis, networkId);
    if (!rv.ok) return reject('E_RECEIPT', `${rv.code}: ${rv.detail}`);
    // [REJECT] E_ACK_CERTIFICATE: the receipt names this certificate.
    if (!bytesEqual(ack.receipt.receipt.certificateHash, certificateHash(k)))
      return reject('E_ACK_CERTIFICATE', 'the receipt is for another certificate');
    ackAt = ack.receipt.receipt.issuedAt;
  } else {
    const a = ack.commitment.commitment;
    // [REJECT] E_ACK_CERTIFICATE: an acknowledging commitment is at the certificate's height with a level
    // at least its target, and earlier in the lab's chain than the accused commitment.
    if (a.height !== k.height || levelRank(a.level) < levelRank(k.target))
      return reject(
        'E_ACK_CERTIFICATE',
        `the acknowledging commitment is at (height ${a.height}, ${a.level}), not (height ${k.height}, ${k.target} or above)`,
      );
    if (a.seq >= c.seq)
      return reject(
        'E_ACK_CERTIFICATE',
        `the acknowledging commitment (seq ${a.seq}) is not before seq ${c.seq}`,
      );
    ackAt = a.issuedAt;
  }
  // [REJECT] E_NOT_IN_FORCE: acknowledged before the epoch began, so the level held for the whole epoch.
  const start = epochStart(genesis.policy, c.epoch);
  if (ackAt >= start)
    return reject(
      'E_NOT_IN_FORCE',
      `the lab acknowledged height ${k.height} at ${ackAt}, not before epoch ${c.epoch} began (${start}): the epoch is not wholly inside the level`,
    );
  // [REJECT] E_VIOLATION_HEIGHT: the lab was still at that height when it committed (a later height may be
  // a step down).
  if (c.height !== k.height)
    return reject(
      'E_VIOLATION_HEIGHT',
      `the commitment says height ${c.height}: the lab had moved past height ${k.height} when it committed`,
    );
  // [REJECT] E_BASELINE: the baseline is the exact segment before the lab's first commitment at the level.
  const at = { height: k.height, level: k.target };
  let baseline = null;
  if (ev.baseline.length > 0) {
    const problem = baselineProblem(ev.baseline, at, baselineEpochsOf(genesis.policy));
    if (problem !== null) return reject('E_BASELINE', problem);
    const boundary = (ev.baseline[ev.baseline.length - 1] as (typeof ev.baseline)[number]).commitment;
    if (boundary.seq > c.seq)
      return reject('E_BASELINE', `the baseline's boundary (seq ${boundary.seq}) is after the commitment`);
    baseline = ev.baseline.slice(0, -1).map((sc) => sc.commitment.metrics);
  }
  // [REJECT] E_WITHIN_LIMITS: some metric is over policy.limits[target] (relative ones against the baseline).
  const over = limitExcesses(c.metrics, effectiveLimits(genesis.policy, k.target), baseline);
  if (over.length === 0)
    return reject(
      'E_WITHIN_LIMITS',
      `the commitment is within the ${k.target} limits${baseline === null ? ' (relative limits need a baseline)' : ''}`,
    );
  // The commitment's own `level` is not consulted: within one height the level only rises, so a lower
  // level there contradicts the lab's acknowledgment and does not excuse it.
  return OK;
}

/** [IGNORE] E_STALE: judged evidence about `epoch` is past its window (`policy.judgedMaxAgeEpochs` epochs after the missed point). */
function staleness(epoch: number, ctx: EvidenceContext): Validation {
  const limit = judgedStaleAfter(ctx.genesis.policy, epoch);
  if (ctx.now > limit + skewOf(ctx))
    return ignore(
      'E_STALE',
      `judged evidence about epoch ${epoch} was due by ${new Date(limit).toISOString()} (policy.judgedMaxAgeEpochs = ${ctx.genesis.policy.judgedMaxAgeEpochs})`,
    );
  return OK;
}
