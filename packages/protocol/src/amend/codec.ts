import { decodeCanonical, encodeCanonical } from '../codec/cbor.js';
import { ID_PATTERN, LIMITS, MAX_BYTES } from '../codec/limits.js';
import { genesisField } from '../codec/messages.js';
import { bytes, type Field, list, struct, text, uint } from '../codec/schema.js';
import type {
  Amendment,
  AmendmentProposalBody,
  AmendmentVote,
  CertifiedAmendment,
  SignedAmendmentProposal,
  SignedAmendmentVote,
} from './types.js';

/**
 * Canonical CBOR of the amendment messages (docs/protocol.md "Amendments and revisions"), with the same
 * rules as every other message: fixed keys, strict decoding, re-encode and compare. The semantic rules
 * of an amendment (threshold, group key, shares, order) are validation rules (A_*), not decoding rules,
 * so that a well-formed but unacceptable amendment gets its own code.
 */

/** Size limits (bytes of canonical CBOR): an amendment carries a whole genesis. */
export const AMENDMENT_MAX_BYTES = {
  amendment: MAX_BYTES.genesis + 1_024,
  signedProposal: MAX_BYTES.genesis + 3_072,
  signedVote: 1_024,
  certifiedAmendment: MAX_BYTES.genesis + 4_096,
} as const;

const id = text({ maxBytes: 32, minBytes: 1, pattern: ID_PATTERN });
const hash32 = bytes({ len: 32 });
const ed25519Sig = bytes({ len: 64 });
const blsSig = bytes({ len: 96 });
const time = uint();
const revision = uint({ min: 2, max: LIMITS.revision });

export const amendmentField: Field<Amendment> = struct<Amendment>({
  networkId: hash32,
  revision,
  prev: hash32,
  effectiveEpoch: uint({ min: 1 }),
  genesis: genesisField,
});

export const amendmentProposalBodyField: Field<AmendmentProposalBody> = struct<AmendmentProposalBody>({
  amendment: amendmentField,
  proposer: id,
  summary: text({ maxBytes: LIMITS.summaryBytes }),
  issuedAt: time,
});

export const signedAmendmentProposalField: Field<SignedAmendmentProposal> = struct<SignedAmendmentProposal>({
  amendment: amendmentField,
  proposer: id,
  summary: text({ maxBytes: LIMITS.summaryBytes }),
  issuedAt: time,
  signature: ed25519Sig,
});

export const amendmentVoteField: Field<AmendmentVote> = struct<AmendmentVote>({
  networkId: hash32,
  revision,
  amendment: hash32,
  voter: id,
  partial: blsSig,
  issuedAt: time,
});

export const signedAmendmentVoteField: Field<SignedAmendmentVote> = struct<SignedAmendmentVote>({
  vote: amendmentVoteField,
  signature: ed25519Sig,
});

export const certifiedAmendmentField: Field<CertifiedAmendment> = struct<CertifiedAmendment>({
  amendment: amendmentField,
  signers: list(id, { max: LIMITS.members, min: 1 }),
  signature: blsSig,
});

/** Canonical CBOR of an amendment (hashed into the amendment statement). */
export function encodeAmendment(a: Amendment): Uint8Array {
  return encodeCanonical(amendmentField, a, 'amendment', AMENDMENT_MAX_BYTES.amendment);
}

/** Decode an amendment from untrusted bytes. */
export function decodeAmendment(b: Uint8Array): Amendment {
  return decodeCanonical(amendmentField, b, 'amendment', AMENDMENT_MAX_BYTES.amendment);
}

/** Canonical CBOR of a proposal without its signature (what the proposer signs). */
export function encodeAmendmentProposalBody(p: AmendmentProposalBody): Uint8Array {
  return encodeCanonical(
    amendmentProposalBodyField,
    p,
    'amendment proposal',
    AMENDMENT_MAX_BYTES.signedProposal,
  );
}

/** Canonical CBOR of a signed proposal (gossip payload). */
export function encodeSignedAmendmentProposal(p: SignedAmendmentProposal): Uint8Array {
  return encodeCanonical(
    signedAmendmentProposalField,
    p,
    'signed amendment proposal',
    AMENDMENT_MAX_BYTES.signedProposal,
  );
}

/** Decode a signed proposal from untrusted bytes. */
export function decodeSignedAmendmentProposal(b: Uint8Array): SignedAmendmentProposal {
  return decodeCanonical(
    signedAmendmentProposalField,
    b,
    'signed amendment proposal',
    AMENDMENT_MAX_BYTES.signedProposal,
  );
}

/** Canonical CBOR of an unsigned amendment vote (what the voter signs with Ed25519). */
export function encodeAmendmentVote(v: AmendmentVote): Uint8Array {
  return encodeCanonical(amendmentVoteField, v, 'amendment vote', AMENDMENT_MAX_BYTES.signedVote);
}

/** Canonical CBOR of a signed amendment vote (gossip payload). */
export function encodeSignedAmendmentVote(v: SignedAmendmentVote): Uint8Array {
  return encodeCanonical(
    signedAmendmentVoteField,
    v,
    'signed amendment vote',
    AMENDMENT_MAX_BYTES.signedVote,
  );
}

/** Decode a signed amendment vote from untrusted bytes. */
export function decodeSignedAmendmentVote(b: Uint8Array): SignedAmendmentVote {
  return decodeCanonical(
    signedAmendmentVoteField,
    b,
    'signed amendment vote',
    AMENDMENT_MAX_BYTES.signedVote,
  );
}

/** Canonical CBOR of a certified amendment (gossip payload, sync item, link of the chain `verify` checks). */
export function encodeCertifiedAmendment(c: CertifiedAmendment): Uint8Array {
  return encodeCanonical(
    certifiedAmendmentField,
    c,
    'certified amendment',
    AMENDMENT_MAX_BYTES.certifiedAmendment,
  );
}

/** Decode a certified amendment from untrusted bytes. */
export function decodeCertifiedAmendment(b: Uint8Array): CertifiedAmendment {
  return decodeCanonical(
    certifiedAmendmentField,
    b,
    'certified amendment',
    AMENDMENT_MAX_BYTES.certifiedAmendment,
  );
}
