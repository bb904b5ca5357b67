import { ed25519PublicKey, ed25519Sign } from '@pausenet/crypto';
import {
  encodeCommitment,
  encodeEvidenceBody,
  encodeReceipt,
  encodeReleaseVote,
  encodeVote,
} from './codec/codec.js';
import { attestationSigningBytes, signingBytes } from './signing.js';
import type {
  Attestation,
  Commitment,
  EvidenceBody,
  Receipt,
  ReleaseVote,
  SignedCommitment,
  SignedEvidence,
  SignedReceipt,
  SignedReleaseVote,
  SignedVote,
  Vote,
} from './types.js';

/** Ed25519 signatures by the keys' owners over the signing bytes of `signing.ts` (which stays free of crypto). */

/** Sign a commitment with the lab's Ed25519 secret key (32-byte seed). */
export function signCommitment(c: Commitment, secretKey: Uint8Array): SignedCommitment {
  const sig = ed25519Sign(secretKey, signingBytes('commitment', c.networkId, encodeCommitment(c)));
  return { commitment: c, signature: sig };
}

/** Produce an attestation (e.g. a datacenter operator's co-signature) over a commitment. */
export function attestCommitment(c: Commitment, attester: string, secretKey: Uint8Array): Attestation {
  return {
    attester,
    publicKey: ed25519PublicKey(secretKey),
    signature: ed25519Sign(secretKey, attestationSigningBytes(c)),
  };
}

/** Sign an evidence body as its reporter (member or authorised auditor). */
export function signEvidence(body: EvidenceBody, secretKey: Uint8Array): SignedEvidence {
  const sig = ed25519Sign(secretKey, signingBytes('evidence', body.networkId, encodeEvidenceBody(body)));
  return { ...body, signature: sig };
}

/** Sign a vote (which already carries its BLS partial) with the voter's Ed25519 identity key. */
export function signVote(v: Vote, secretKey: Uint8Array): SignedVote {
  return { vote: v, signature: ed25519Sign(secretKey, signingBytes('vote', v.networkId, encodeVote(v))) };
}

/** Sign a receipt with the lab's Ed25519 identity key. */
export function signReceipt(r: Receipt, secretKey: Uint8Array): SignedReceipt {
  return {
    receipt: r,
    signature: ed25519Sign(secretKey, signingBytes('receipt', r.networkId, encodeReceipt(r))),
  };
}

/** Sign a release vote (which already carries its BLS partial) with the voter's Ed25519 identity key. */
export function signReleaseVote(v: ReleaseVote, secretKey: Uint8Array): SignedReleaseVote {
  return {
    vote: v,
    signature: ed25519Sign(secretKey, signingBytes('release-vote', v.networkId, encodeReleaseVote(v))),
  };
}
