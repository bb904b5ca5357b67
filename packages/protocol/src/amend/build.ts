import type { DkgMember } from '@pausenet/crypto';
import { ProtocolError } from '../errors.js';
import type { Genesis, LabId } from '../types.js';
import type { RevisionChain } from './chain.js';
import { committeeChanged } from './rules.js';
import { reshareSessionId } from './signing.js';
import type { Amendment, ReshareResult } from './types.js';

/**
 * Building amendments (docs/protocol.md "Amendments and revisions", "Reshare ceremony"): the draft a
 * proposer signs, what the reshare ceremony needs, and the complete amendment members sign.
 */

/** The draft that amends the chain's head into `genesis` from `effectiveEpoch` on (any `genesis.dkg` is dropped). */
export function draftAmendment(chain: RevisionChain, genesis: Genesis, effectiveEpoch: number): Amendment {
  const { dkg: _dkg, ...rest } = genesis;
  return {
    networkId: chain.networkId,
    revision: chain.head.revision + 1,
    prev: chain.head.hash,
    effectiveEpoch,
    genesis: rest,
  };
}

/** Whether implementing `draft` needs a reshare (its member ids in index order or its threshold differ from the head's). */
export function needsReshare(chain: RevisionChain, draft: Amendment): boolean {
  return committeeChanged(chain.head.genesis, draft.genesis);
}

/** The reshare ceremony's fixed inputs (the node adds `self`, `now`, `timeouts` and the transport). */
export interface ReshareInputs {
  /** reshareSessionId(draft): binds every bundle to this draft. */
  sessionId: Uint8Array;
  /** The head's committee (the dealers: its holders) and its public DKG result. */
  previous: {
    members: DkgMember[];
    threshold: number;
    groupPublicKey: Uint8Array;
    publicShares: Uint8Array[];
  };
  /** The draft's committee (the recipients), indices 1..n'. */
  members: DkgMember[];
  threshold: number;
}

function headOf(chain: RevisionChain, draft: Amendment) {
  const head = chain.head;
  if (draft.revision !== head.revision + 1 || draft.genesis.dkg !== undefined)
    throw new ProtocolError(
      'INVALID_ARGUMENT',
      `expected a draft (no dkg) of revision ${head.revision + 1}, the head's successor`,
      'amendment',
    );
  const dkg = head.genesis.dkg;
  if (dkg === undefined)
    throw new ProtocolError('INVALID_ARGUMENT', `revision ${head.revision} has no DKG result`, 'genesis.dkg');
  return { head, dkg };
}

/** Inputs of the reshare that implements `draft` (for crypto's dkgInitReshare). */
export function reshareInputs(chain: RevisionChain, draft: Amendment): ReshareInputs {
  const { head, dkg } = headOf(chain, draft);
  const roster = (g: Genesis): DkgMember[] =>
    g.members.map((m) => ({ index: m.index, publicKey: m.publicKey }));
  return {
    sessionId: reshareSessionId(draft),
    previous: {
      members: roster(head.genesis),
      threshold: head.genesis.threshold,
      groupPublicKey: dkg.groupPublicKey,
      publicShares: dkg.publicShares,
    },
    members: roster(draft.genesis),
    threshold: draft.genesis.threshold,
  };
}

/**
 * A lab's part in the reshare of `draft`: `previousIndex` when it holds a share of the head (it deals),
 * `index` when it is in the new committee (it receives). Null when it has no part.
 */
export function reshareRole(
  chain: RevisionChain,
  draft: Amendment,
  lab: LabId,
): { previousIndex?: number; index?: number } | null {
  const { head } = headOf(chain, draft);
  const previousIndex = head.genesis.members.find((m) => m.id === lab)?.index;
  const index = draft.genesis.members.find((m) => m.id === lab)?.index;
  if (previousIndex === undefined && index === undefined) return null;
  return { ...(previousIndex !== undefined && { previousIndex }), ...(index !== undefined && { index }) };
}

/**
 * The complete amendment of `draft`: with the reshare's public result, or (when the committee is
 * unchanged, `result` omitted) the head's DKG result. Members sign only a complete amendment they built
 * from their own reshare output.
 */
export function completeAmendment(chain: RevisionChain, draft: Amendment, result?: ReshareResult): Amendment {
  const { dkg } = headOf(chain, draft);
  const reshare = needsReshare(chain, draft);
  if (reshare && result === undefined)
    throw new ProtocolError(
      'INVALID_ARGUMENT',
      'the committee changes: the reshare result is needed',
      'result',
    );
  if (!reshare && result !== undefined)
    throw new ProtocolError(
      'INVALID_ARGUMENT',
      'the committee is unchanged: no reshare result belongs here',
      'result',
    );
  const next = reshare ? (result as ReshareResult) : dkg;
  return {
    ...draft,
    genesis: {
      ...draft.genesis,
      dkg: {
        groupPublicKey: next.groupPublicKey,
        publicShares: [...next.publicShares],
        transcriptHash: next.transcriptHash,
      },
    },
  };
}
