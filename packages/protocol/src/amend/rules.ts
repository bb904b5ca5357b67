import { verifyPublicShares } from '@pausenet/crypto';
import { bytesEqual } from '../bytes.js';
import { checkGenesis, encodeGenesis } from '../codec/codec.js';
import { ProtocolError } from '../errors.js';
import type { DkgResult, Genesis, Validation } from '../types.js';
import { OK, reject } from '../validation/result.js';
import type { Revision } from './chain.js';
import type { Amendment } from './types.js';

/**
 * What an amendment may change, checked against the revision it amends (docs/protocol.md "Amendments and
 * revisions", A_* rules). Pure; every failure is a reject: a proposer or a committee that produced it is at fault.
 */

/**
 * Whether the signing committee changes: the member ids in index order, or the threshold. Only then do the
 * shares change (a reshare). A member's new identity key or addresses keep its share (shares are by index).
 */
export function committeeChanged(base: Genesis, next: Genesis): boolean {
  if (base.threshold !== next.threshold || base.members.length !== next.members.length) return true;
  return base.members.some((m, i) => m.id !== next.members[i]?.id);
}

function withoutDkg(g: Genesis): Genesis {
  const { dkg: _dkg, ...rest } = g;
  return rest;
}

function sameDkg(a: DkgResult, b: DkgResult): boolean {
  return (
    bytesEqual(a.groupPublicKey, b.groupPublicKey) &&
    bytesEqual(a.transcriptHash, b.transcriptHash) &&
    a.publicShares.length === b.publicShares.length &&
    a.publicShares.every((p, i) => bytesEqual(p, b.publicShares[i] as Uint8Array))
  );
}

/**
 * The A_* rules of `a` as the amendment of `base` (the chain's head): `draft` for a proposal (no DKG result
 * yet), otherwise a complete amendment. Revision numbering and `prev` are the caller's rules (they decide
 * between ignore and reject).
 */
export function amendmentRules(
  a: Amendment,
  base: Revision,
  opts: { networkId: Uint8Array; draft: boolean },
): Validation {
  // [REJECT] A_NETWORK: networkId is the original genesis's id (it never changes).
  if (!bytesEqual(a.networkId, opts.networkId))
    return reject(
      'A_NETWORK',
      'amendment is for another network (network id of the original genesis differs)',
    );
  // [REJECT] A_EFFECTIVE_EPOCH: effective epochs strictly increase along the chain.
  if (a.effectiveEpoch <= base.effectiveEpoch)
    return reject(
      'A_EFFECTIVE_EPOCH',
      `effective epoch ${a.effectiveEpoch} must be after revision ${base.revision}'s (${base.effectiveEpoch})`,
    );
  const g = a.genesis;
  // [REJECT] A_THRESHOLD: n/2 < t <= n for the amended member list (removing members may need a lower t).
  const n = g.members.length;
  if (g.threshold <= Math.floor(n / 2) || g.threshold > n)
    return reject(
      'A_THRESHOLD',
      `threshold ${g.threshold} with ${n} members after the amendment breaks n/2 < t <= n: ${g.threshold > n ? `fewer than t members would remain; lower the threshold to at most ${n} in the same amendment` : `raise the threshold above ${Math.floor(n / 2)}`}`,
    );
  // [REJECT] A_GENESIS: the amended genesis passes the genesis rules (G_*).
  try {
    checkGenesis(g);
  } catch (e) {
    if (e instanceof ProtocolError) return reject('A_GENESIS', e.message);
    throw e;
  }
  // [REJECT] A_EPOCH_AXIS: genesisTime and epochMs never change (epochs number the time axis effective
  // epochs are stated on; changing them would renumber every earlier epoch).
  const bp = base.genesis.policy;
  if (g.policy.genesisTime !== bp.genesisTime || g.policy.epochMs !== bp.epochMs)
    return reject(
      'A_EPOCH_AXIS',
      `policy.genesisTime and policy.epochMs are fixed for the network's life (${bp.genesisTime}, ${bp.epochMs})`,
    );
  // [REJECT] A_UNCHANGED: an amendment changes something besides the DKG result.
  if (bytesEqual(encodeGenesis(withoutDkg(g)), encodeGenesis(withoutDkg(base.genesis))))
    return reject('A_UNCHANGED', `the amended genesis equals revision ${base.revision}'s`);
  const baseDkg = base.genesis.dkg;
  if (baseDkg === undefined) return reject('A_DKG', `revision ${base.revision} has no DKG result to amend`);
  // [REJECT] A_KEYS: in a committee change, a member that stays keeps its identity key: the reshare
  // authenticates it by one key as old holder and as recipient (rotate a key in an amendment of its own).
  if (committeeChanged(base.genesis, g))
    for (const m of g.members) {
      const old = base.genesis.members.find((x) => x.id === m.id);
      if (old !== undefined && !bytesEqual(old.publicKey, m.publicKey))
        return reject(
          'A_KEYS',
          `${m.id} changes its identity key in an amendment that reshares: rotate it in a separate amendment`,
        );
    }
  if (opts.draft) {
    // [REJECT] A_DRAFT: a proposal carries no DKG result (the reshare runs after approval).
    if (g.dkg !== undefined)
      return reject('A_DRAFT', 'a proposal carries no dkg: the reshare result comes after approval');
    return OK;
  }
  // [REJECT] A_DKG: a complete amendment carries the DKG result of the new committee.
  if (g.dkg === undefined) return reject('A_DKG', 'a complete amendment carries dkg (the reshare result)');
  // [REJECT] A_GROUP_KEY: the group public key never changes.
  if (!bytesEqual(g.dkg.groupPublicKey, baseDkg.groupPublicKey))
    return reject(
      'A_GROUP_KEY',
      'the group public key must stay the same (a reshare keeps the group secret)',
    );
  if (!committeeChanged(base.genesis, g)) {
    // [REJECT] A_DKG: the same committee keeps its shares: dkg equals the base's.
    if (!sameDkg(g.dkg, baseDkg))
      return reject('A_DKG', "members and threshold are unchanged, so dkg must equal the amended revision's");
    return OK;
  }
  // [REJECT] A_SHARES: the new public shares are a sharing of the group key at the new threshold.
  if (!verifyPublicShares(g.dkg.groupPublicKey, g.dkg.publicShares, g.threshold))
    return reject(
      'A_SHARES',
      `dkg.publicShares are not a threshold-${g.threshold} sharing of the group public key`,
    );
  return OK;
}
