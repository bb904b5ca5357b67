import { ed25519Verify } from '@pausenet/crypto';
import { bytesEqual, compareBytes } from '../bytes.js';
import { encodeEvidenceBody, encodeSignedEvidence } from '../codec/codec.js';
import { judgedStaleAfter, missedAfter } from '../epoch.js';
import { commitmentBodyHash, signingBytes } from '../signing.js';
import type { Genesis, SignedEvidence, Validation } from '../types.js';
import { validateCommitmentIntrinsic } from './commitment.js';
import { type BaseContext, guard, ignore, memberById, OK, reject, skewOf } from './result.js';

export interface EvidenceContext extends BaseContext {
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
    }
  });
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
