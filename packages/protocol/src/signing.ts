import { compareBytes, concatBytes, sha256, u64be, utf8 } from './bytes.js';
import {
  encodeCommitment,
  encodeGenesis,
  encodeReleasePayload,
  encodeSignedCommitment,
  encodeSignedEvidence,
  encodeSignedReceipt,
  encodeSignedVote,
} from './codec/codec.js';
import { LIMITS } from './codec/limits.js';
import { ProtocolError } from './errors.js';
import { levelRank, stepAllows } from './level.js';
import type {
  Certificate,
  Commitment,
  Genesis,
  ReleaseCertificate,
  ReleasePayload,
  SignedCommitment,
  SignedEvidence,
  SignedReceipt,
  SignedVote,
  Statement,
  Step,
  Vote,
} from './types.js';

/** What an Ed25519 signature is over; each kind has its own domain tag. */
export type SigningKind = 'commitment' | 'attestation' | 'evidence' | 'vote' | 'receipt' | 'release-vote';

/** Domain tags: ASCII, NUL-terminated so that no tag is a prefix of another (docs/protocol.md). */
export const DOMAIN_TAGS: Readonly<Record<SigningKind, string>> = {
  commitment: 'pausenet/v2/commitment\0',
  attestation: 'pausenet/v2/attestation\0',
  evidence: 'pausenet/v2/evidence\0',
  vote: 'pausenet/v2/vote\0',
  receipt: 'pausenet/v2/receipt\0',
  'release-vote': 'pausenet/v2/release-vote\0',
};

/** Domain tag of the BLS transition statement. */
export const STATEMENT_TAG = 'pausenet/v2/statement\0';

/** Domain tag of the BLS release statement (its own sequence: it never shares bytes with a transition). */
export const RELEASE_STATEMENT_TAG = 'pausenet/v2/release\0';

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

/**
 * Check a resolves list: at most LIMITS.resolves ids of 32 bytes, strictly ascending (hence distinct).
 * Returns a description of the first problem, or null.
 */
export function resolvesProblem(resolves: readonly Uint8Array[]): string | null {
  if (resolves.length > LIMITS.resolves) return `${resolves.length} breach ids > ${LIMITS.resolves}`;
  for (let i = 0; i < resolves.length; i++) {
    const id = resolves[i] as Uint8Array;
    if (!(id instanceof Uint8Array) || id.length !== 32) return `breach id ${i} is not 32 bytes`;
    if (i > 0 && compareBytes(resolves[i - 1] as Uint8Array, id) >= 0)
      return 'breach ids must be strictly ascending (sorted, distinct)';
  }
  return null;
}

/**
 * The 32-byte digest that ends a statement and fixes its step: 32 zero bytes for a step up (an escalation
 * resolves nothing); SHA-256 over the ascending, concatenated breach ids a step down resolves (SHA-256("")
 * when it resolves none), which is never all zero.
 */
export function resolvesDigest(step: Step, resolves: readonly Uint8Array[]): Uint8Array {
  if (step === 'up') {
    if (resolves.length > 0)
      throw new ProtocolError('INVALID_ARGUMENT', 'a step up (escalation) resolves nothing', 'resolves');
    return new Uint8Array(32);
  }
  if (step !== 'down') throw new ProtocolError('INVALID_ARGUMENT', 'step must be up or down', 'step');
  const problem = resolvesProblem(resolves);
  if (problem !== null) throw new ProtocolError('INVALID_ARGUMENT', problem, 'resolves');
  return sha256(...resolves);
}

/**
 * The transition statement every vote BLS-signs and every certificate carries the group signature of
 * (docs/protocol.md "Signing and domain tags"):
 * `tag ‖ networkId ‖ u64be(height) ‖ level byte ‖ resolvesDigest(step, resolves)`, level byte RUNNING 0,
 * REDUCED 1, PAUSED 2. The one encoder of the statement.
 */
export function statementBytes(st: Statement): Uint8Array {
  checkNetworkId(st.networkId);
  if (!Number.isSafeInteger(st.height) || st.height < 1)
    throw new ProtocolError(
      'INVALID_ARGUMENT',
      `height must be a positive safe integer, got ${st.height}`,
      'height',
    );
  if (st.target !== 'RUNNING' && st.target !== 'REDUCED' && st.target !== 'PAUSED')
    throw new ProtocolError('INVALID_ARGUMENT', 'target must be RUNNING, REDUCED or PAUSED', 'target');
  if (st.step !== 'up' && st.step !== 'down')
    throw new ProtocolError('INVALID_ARGUMENT', 'step must be up or down', 'step');
  if (!stepAllows(st.step, st.target))
    throw new ProtocolError(
      'INVALID_ARGUMENT',
      st.step === 'up' ? 'a step up cannot target RUNNING' : 'a step down cannot target PAUSED',
      'target',
    );
  return concatBytes(
    utf8(STATEMENT_TAG),
    st.networkId,
    u64be(st.height),
    Uint8Array.of(levelRank(st.target)),
    resolvesDigest(st.step, st.resolves),
  );
}

/** The statement a vote's partial or a certificate's group signature covers. */
export function statementOf(x: Vote | Certificate): Statement {
  return { networkId: x.networkId, height: x.height, target: x.target, step: x.step, resolves: x.resolves };
}

/**
 * The release statement (docs/protocol.md "Conditional pledges"):
 * `"pausenet/v2/release\0" ‖ networkId ‖ u64be(sequence) ‖ SHA-256(canonical CBOR of {released, breaches})`.
 */
export function releaseStatementBytes(
  x: ReleasePayload & { networkId: Uint8Array; sequence: number },
): Uint8Array {
  checkNetworkId(x.networkId);
  if (!Number.isSafeInteger(x.sequence) || x.sequence < 1)
    throw new ProtocolError(
      'INVALID_ARGUMENT',
      `sequence must be a positive safe integer, got ${x.sequence}`,
      'sequence',
    );
  return concatBytes(
    utf8(RELEASE_STATEMENT_TAG),
    x.networkId,
    u64be(x.sequence),
    sha256(encodeReleasePayload({ released: x.released, breaches: x.breaches })),
  );
}

/** Release certificate id: SHA-256(releaseStatementBytes ‖ group signature) (signers excluded, like certificateHash). */
export function releaseCertificateHash(c: ReleaseCertificate): Uint8Array {
  return sha256(concatBytes(releaseStatementBytes(c), c.signature));
}

/** SHA-256 of a canonical signed receipt: its id. */
export function receiptHash(sr: SignedReceipt): Uint8Array {
  return sha256(encodeSignedReceipt(sr));
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
  return sha256(concatBytes(statementBytes(statementOf(cert)), cert.signature));
}

/** Bytes an attester co-signs: the commitment with an empty attestation list, under the 'attestation' tag. */
export function attestationSigningBytes(c: Commitment): Uint8Array {
  return signingBytes('attestation', c.networkId, encodeCommitment({ ...c, attestations: [] }));
}
