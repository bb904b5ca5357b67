import { ed25519Sign } from '@pausenet/crypto';
import { concatBytes, sha256, utf8 } from '../bytes.js';
import { ProtocolError } from '../errors.js';
import { encodeAmendment, encodeAmendmentProposalBody, encodeAmendmentVote } from './codec.js';
import type {
  Amendment,
  AmendmentProposalBody,
  AmendmentVote,
  CertifiedAmendment,
  SignedAmendmentProposal,
  SignedAmendmentVote,
} from './types.js';

/**
 * Signing bytes, hashes and the amendment statement (docs/protocol.md "Amendments and revisions").
 * Tags are ASCII and NUL-terminated like every other tag, so no tag is a prefix of another.
 */

/** What an Ed25519 signature on an amendment message is over. */
export type AmendmentSigningKind = 'amendment-proposal' | 'amendment-vote';

export const AMENDMENT_TAGS: Readonly<Record<AmendmentSigningKind, string>> = {
  'amendment-proposal': 'pausenet/v2/amend-proposal\0',
  'amendment-vote': 'pausenet/v2/amend-vote\0',
};

/** Domain tag of the BLS amendment statement (distinct from the pause statement's). */
export const AMENDMENT_STATEMENT_TAG = 'pausenet/v2/amend\0';

/** Domain tag of a reshare ceremony's session id. */
export const RESHARE_TAG = 'pausenet/v2/reshare\0';

function checkNetworkId(networkId: Uint8Array): void {
  if (!(networkId instanceof Uint8Array) || networkId.length !== 32)
    throw new ProtocolError('INVALID_ARGUMENT', 'networkId must be 32 bytes', 'networkId');
}

function checkRevision(revision: number): void {
  if (!Number.isSafeInteger(revision) || revision < 2 || revision > 0xffff_ffff)
    throw new ProtocolError('INVALID_ARGUMENT', `revision must be in 2..2^32-1, got ${revision}`, 'revision');
}

/** `tag ‖ networkId ‖ canonical`: the bytes an Ed25519 signature on an amendment message covers. */
export function amendmentSigningBytes(
  kind: AmendmentSigningKind,
  networkId: Uint8Array,
  canonical: Uint8Array,
): Uint8Array {
  checkNetworkId(networkId);
  const tag = AMENDMENT_TAGS[kind];
  if (tag === undefined) throw new ProtocolError('INVALID_ARGUMENT', `unknown signing kind ${String(kind)}`);
  return concatBytes(utf8(tag), networkId, canonical);
}

/** SHA-256 of the canonical amendment: what the statement binds, and the next revision's `prev`. */
export function amendmentHash(a: Amendment): Uint8Array {
  return sha256(encodeAmendment(a));
}

/**
 * The amendment statement every vote for revision r partially signs and its certificate carries the group
 * signature of: `"pausenet/v2/amend\0" ‖ networkId ‖ u32be(r) ‖ amendmentHash` (86 bytes).
 */
export function amendmentStatementBytes(
  networkId: Uint8Array,
  revision: number,
  hash: Uint8Array,
): Uint8Array {
  checkNetworkId(networkId);
  checkRevision(revision);
  if (!(hash instanceof Uint8Array) || hash.length !== 32)
    throw new ProtocolError('INVALID_ARGUMENT', 'amendment hash must be 32 bytes', 'amendment');
  const r = new Uint8Array(4);
  new DataView(r.buffer).setUint32(0, revision);
  return concatBytes(utf8(AMENDMENT_STATEMENT_TAG), networkId, r, hash);
}

/** The statement an amendment vote's partial covers. */
export function amendmentVoteStatement(v: AmendmentVote): Uint8Array {
  return amendmentStatementBytes(v.networkId, v.revision, v.amendment);
}

/** The statement a certified amendment's group signature covers. */
export function certifiedAmendmentStatement(c: CertifiedAmendment): Uint8Array {
  return amendmentStatementBytes(c.amendment.networkId, c.amendment.revision, amendmentHash(c.amendment));
}

/**
 * Session id of the reshare ceremony that implements a draft: SHA-256(tag ‖ CBOR(draft)). It binds every
 * DKG bundle to exactly this base revision, new committee, threshold, policy and effective epoch.
 */
export function reshareSessionId(draft: Amendment): Uint8Array {
  if (draft.genesis.dkg !== undefined)
    throw new ProtocolError(
      'INVALID_ARGUMENT',
      'a reshare implements a draft (an amendment without dkg)',
      'genesis.dkg',
    );
  return sha256(utf8(RESHARE_TAG), encodeAmendment(draft));
}

/** Id of a proposal: SHA-256 of its draft amendment (two proposals of one draft are one proposal). */
export function proposalId(p: AmendmentProposalBody): Uint8Array {
  return amendmentHash(p.amendment);
}

/** Sign a proposal as its proposer (a member of the revision it amends). */
export function signAmendmentProposal(
  body: AmendmentProposalBody,
  secretKey: Uint8Array,
): SignedAmendmentProposal {
  const bytes = amendmentSigningBytes(
    'amendment-proposal',
    body.amendment.networkId,
    encodeAmendmentProposalBody(body),
  );
  return { ...body, signature: ed25519Sign(secretKey, bytes) };
}

/** Sign an amendment vote (which already carries its BLS partial) with the voter's identity key. */
export function signAmendmentVote(v: AmendmentVote, secretKey: Uint8Array): SignedAmendmentVote {
  return {
    vote: v,
    signature: ed25519Sign(
      secretKey,
      amendmentSigningBytes('amendment-vote', v.networkId, encodeAmendmentVote(v)),
    ),
  };
}
