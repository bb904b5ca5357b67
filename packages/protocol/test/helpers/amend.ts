import { ed25519PublicKey } from '@pausenet/crypto';
import { draftAmendment } from '../../src/amend/build.js';
import { RevisionChain } from '../../src/amend/chain.js';
import {
  amendmentHash,
  amendmentStatementBytes,
  signAmendmentProposal,
  signAmendmentVote,
} from '../../src/amend/signing.js';
import type {
  Amendment,
  CertifiedAmendment,
  SignedAmendmentProposal,
  SignedAmendmentVote,
} from '../../src/amend/types.js';
import { sha256, utf8 } from '../../src/bytes.js';
import type { Genesis, LabId } from '../../src/types.js';
import { blsSign, dealShares, recoverSignature, type ThresholdSetup } from './bls.js';
import { bls, epochStart, genesis, labKeys, networkId, seedKey } from './fixtures.js';

/**
 * A deterministic amendment history of the test network (helpers/fixtures.ts, revision 1: labs a..d, t = 3):
 * revision 2 (effective epoch 3) admits lab-e with t = 4; revision 3 (effective epoch 6) lets lab-b leave
 * (t = 3) and raises the training-FLOP cap. The new shares come from deterministic dealers over the same
 * group secret (helpers/bls.ts dealShares), so vectors are reproducible.
 */

export const labEKey = seedKey('lab-e');

/** Identity key of a lab of any revision. */
export function keyOf(lab: LabId): Uint8Array {
  return lab === 'lab-e' ? labEKey : (labKeys[lab] as Uint8Array);
}

export const bls2: ThresholdSetup = dealShares(5, 4, 'pausenet-test/bls/rev2', 'pausenet-test/bls');
export const bls3: ThresholdSetup = dealShares(4, 3, 'pausenet-test/bls/rev3', 'pausenet-test/bls');

/** Shares by revision. */
export const SHARES: Record<number, ThresholdSetup> = { 1: bls, 2: bls2, 3: bls3 };

export const chain1 = RevisionChain.fromGenesis(genesis);

export function genesis2(): Genesis {
  return {
    ...genesis,
    members: [
      ...genesis.members,
      {
        id: 'lab-e',
        name: 'Lab E',
        index: 5,
        publicKey: ed25519PublicKey(labEKey),
        peerIds: [],
        addrs: ['/ip4/127.0.0.1/tcp/9005'],
      },
    ],
    threshold: 4,
    dkg: {
      groupPublicKey: bls2.groupPublicKey,
      publicShares: bls2.publicShares,
      transcriptHash: sha256(utf8('rev2')),
    },
  };
}

export const draft2: Amendment = draftAmendment(chain1, genesis2(), 3);
export const amendment2: Amendment = { ...draft2, genesis: genesis2() };

export function genesis3(): Genesis {
  const g2 = genesis2();
  return {
    ...g2,
    members: g2.members.filter((m) => m.id !== 'lab-b').map((m, i) => ({ ...m, index: i + 1 })),
    threshold: 3,
    policy: { ...g2.policy, caps: { ...g2.policy.caps, trainingFlop: 2n * 10n ** 26n } },
    dkg: {
      groupPublicKey: bls3.groupPublicKey,
      publicShares: bls3.publicShares,
      transcriptHash: sha256(utf8('rev3')),
    },
  };
}

/** Member index of `lab` in genesis `g`. */
export function indexIn(g: Genesis, lab: LabId): number {
  const m = g.members.find((x) => x.id === lab);
  if (!m) throw new Error(`${lab} not in genesis`);
  return m.index;
}

/** The partial of `lab` (member of `base`, shares `setup`) on the statement of amendment `a`. */
export function amendPartial(a: Amendment, base: Genesis, setup: ThresholdSetup, lab: LabId): Uint8Array {
  const share = setup.secretShares[indexIn(base, lab) - 1] as Uint8Array;
  return blsSign(share, amendmentStatementBytes(a.networkId, a.revision, amendmentHash(a)));
}

/** A certified amendment recovered from the partials of `signers` (members of `base`, in index order). */
export function certify(
  a: Amendment,
  base: Genesis,
  setup: ThresholdSetup,
  signers: LabId[],
): CertifiedAmendment {
  const sorted = [...signers].sort((x, y) => indexIn(base, x) - indexIn(base, y));
  const signature = recoverSignature(
    sorted.map((l) => ({ index: indexIn(base, l), signature: amendPartial(a, base, setup, l) })),
  );
  return { amendment: a, signers: sorted, signature };
}

export const certified2: CertifiedAmendment = certify(amendment2, genesis, bls, ['lab-a', 'lab-b', 'lab-c']);
export const chain2: RevisionChain = chain1.appendValidated(certified2);
export const amendment3: Amendment = {
  networkId,
  revision: 3,
  prev: amendmentHash(amendment2),
  effectiveEpoch: 6,
  genesis: genesis3(),
};
export const certified3: CertifiedAmendment = certify(amendment3, genesis2(), bls2, [
  'lab-a',
  'lab-c',
  'lab-d',
  'lab-e',
]);

/** A signed proposal of `draft` by `proposer`. */
export function propose(
  draft: Amendment,
  proposer: LabId = 'lab-a',
  issuedAt = epochStart(1),
  summary = 'admit lab-e',
): SignedAmendmentProposal {
  return signAmendmentProposal({ amendment: draft, proposer, summary, issuedAt }, keyOf(proposer));
}

/** A signed amendment vote of `voter` (member of `base` with shares `setup`) for amendment `a`. */
export function amendVote(
  a: Amendment,
  voter: LabId,
  opts: { base?: Genesis; setup?: ThresholdSetup; issuedAt?: number; partial?: Uint8Array } = {},
): SignedAmendmentVote {
  const base = opts.base ?? genesis;
  const setup = opts.setup ?? bls;
  return signAmendmentVote(
    {
      networkId: a.networkId,
      revision: a.revision,
      amendment: amendmentHash(a),
      voter,
      partial: opts.partial ?? amendPartial(a, base, setup, voter),
      issuedAt: opts.issuedAt ?? epochStart(1) + 60_000,
    },
    keyOf(voter),
  );
}
