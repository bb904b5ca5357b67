import { ed25519PublicKey, ed25519Sign } from '@pausenet/crypto';
import { concatBytes, sha256, u64be, utf8 } from './bytes.js';
import {
  encodeCommitment,
  encodeEvidenceBody,
  encodeGenesis,
  encodeSignedCommitment,
  encodeSignedEvidence,
  encodeSignedVote,
  encodeVote,
} from './codec/codec.js';
import { ProtocolError } from './errors.js';
import type {
  Attestation,
  Certificate,
  Commitment,
  EvidenceBody,
  Genesis,
  PauseState,
  SignedCommitment,
  SignedEvidence,
  SignedVote,
  Vote,
} from './types.js';

/** What an Ed25519 signature is over; each kind has its own domain tag. */
export type SigningKind = 'commitment' | 'attestation' | 'evidence' | 'vote';

/** Domain tags: ASCII, NUL-terminated so that no tag is a prefix of another (docs/protocol.md). */
export const DOMAIN_TAGS: Readonly<Record<SigningKind, string>> = {
  commitment: 'pausenet/v1/commitment\0',
  attestation: 'pausenet/v1/attestation\0',
  evidence: 'pausenet/v1/evidence\0',
  vote: 'pausenet/v1/vote\0',
};

/** Domain tag of the BLS transition statement. */
export const STATEMENT_TAG = 'pausenet/v1/statement\0';

function checkNetworkId(networkId: Uint8Array): void {
  if (!(networkId instanceof Uint8Array) || networkId.length !== 32)
    throw new ProtocolError('INVALID_ARGUMENT', 'networkId must be 32 bytes', 'networkId');
}

/** `domainTag ‖ networkId ‖ canonicalBytes`: the exact bytes an Ed25519 signature covers. */
export function signingBytes(kind: SigningKind, networkId: Uint8Array, canonical: Uint8Array): Uint8Array {
  checkNetworkId(networkId);
  const tag = DOMAIN_TAGS[kind];
  if (tag === undefined) throw new ProtocolError('INVALID_ARGUMENT', `unknown signing kind ${String(kind)}`);
  return concatBytes(utf8(tag), networkId, canonical);
}

/** Network id: SHA-256 of the canonical genesis (including the DKG result). */
export function networkIdOf(genesis: Genesis): Uint8Array {
  return sha256(encodeGenesis(genesis));
}

/** Ceremony id: SHA-256 of the canonical genesis without `dkg`; binds a DKG session to the network being formed. */
export function ceremonyIdOf(genesis: Genesis): Uint8Array {
  const { dkg: _dkg, ...rest } = genesis;
  return sha256(encodeGenesis(rest));
}

/** The transition statement every vote at `height` BLS-signs: `tag ‖ networkId ‖ u64be(height) ‖ target byte`. */
export function statementBytes(networkId: Uint8Array, height: number, target: PauseState): Uint8Array {
  checkNetworkId(networkId);
  if (!Number.isSafeInteger(height) || height < 1)
    throw new ProtocolError(
      'INVALID_ARGUMENT',
      `height must be a positive safe integer, got ${height}`,
      'height',
    );
  if (target !== 'RUNNING' && target !== 'PAUSED')
    throw new ProtocolError('INVALID_ARGUMENT', `target must be RUNNING or PAUSED`, 'target');
  return concatBytes(
    utf8(STATEMENT_TAG),
    networkId,
    u64be(height),
    Uint8Array.of(target === 'PAUSED' ? 1 : 0),
  );
}

/** SHA-256 of a signed commitment's canonical bytes: the chain link (`prev`) and its id. */
export function hashSignedCommitment(sc: SignedCommitment): Uint8Array {
  return sha256(encodeSignedCommitment(sc));
}

/** SHA-256 of the unsigned commitment: two commitments "differ" (equivocation) iff these differ. */
export function commitmentBodyHash(c: Commitment): Uint8Array {
  return sha256(encodeCommitment(c));
}

/** SHA-256 of canonical signed evidence: the reference votes carry. */
export function evidenceHash(se: SignedEvidence): Uint8Array {
  return sha256(encodeSignedEvidence(se));
}

/**
 * hashSignedCommitment / evidenceHash / voteHash of a message given as the canonical bytes it was
 * decoded from (the decoders accept only the canonical encoding): the same digest without re-encoding
 * (an encode costs ~45 us on the dev VM, about half of an Ed25519 verify).
 */
export function hashOfCanonical(canonical: Uint8Array): Uint8Array {
  return sha256(canonical);
}

/** SHA-256 of a canonical signed vote (dedupe key for gossip). */
export function voteHash(sv: SignedVote): Uint8Array {
  return sha256(encodeSignedVote(sv));
}

/**
 * Certificate id: SHA-256(statementBytes ‖ group signature). It deliberately excludes the signer
 * list: any t valid partials recover the same group signature, so two honest nodes that combined
 * different subsets hold the same certificate (same id, same hook journal key).
 */
export function certificateHash(cert: Certificate): Uint8Array {
  return sha256(concatBytes(statementBytes(cert.networkId, cert.height, cert.target), cert.signature));
}

/** Sign a commitment with the lab's Ed25519 secret key (32-byte seed). */
export function signCommitment(c: Commitment, secretKey: Uint8Array): SignedCommitment {
  const sig = ed25519Sign(secretKey, signingBytes('commitment', c.networkId, encodeCommitment(c)));
  return { commitment: c, signature: sig };
}

/** Bytes an attester co-signs: the commitment with an empty attestation list, under the 'attestation' tag. */
export function attestationSigningBytes(c: Commitment): Uint8Array {
  return signingBytes('attestation', c.networkId, encodeCommitment({ ...c, attestations: [] }));
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
