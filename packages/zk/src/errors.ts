/** Typed errors of the zk package: every failure carries a `code` discriminant. */

export type ZkErrorCode =
  /** A caller-supplied argument has the wrong shape (not a bigint, wrong length, ...). */
  | 'BAD_INPUT'
  /** A value is >= 2^252 (RANGE_BITS): it cannot be committed privately and must be disclosed in clear. */
  | 'OUT_OF_RANGE'
  /** A value is above its cap or level limit: no proof exists; disclose it in clear (cap-exceeded). */
  | 'OVER_CAP'
  /** The chain rule fails: the largest run is smaller than the previous commitment's. */
  | 'CHAIN'
  /** An opening does not match its commitment. */
  | 'OPENING_MISMATCH'
  /** Bytes too long for their type (checked before parsing). */
  | 'OVERSIZED'
  /** Bytes that do not parse, or fields of the wrong type or length. */
  | 'MALFORMED'
  /** Parses, but is not the canonical encoding (re-encoding differs). */
  | 'NON_CANONICAL'
  /** A curve point that is not canonical, not on the curve, not in the subgroup, or the identity. */
  | 'BAD_POINT'
  /** A verification key of the wrong shape (curve, protocol, number of public inputs). */
  | 'BAD_VERIFICATION_KEY'
  /** Sealed openings that do not decrypt with this auditor's key (or are not addressed to it). */
  | 'DECRYPT_FAILED'
  /** An auditor public key that is not a valid Ed25519 point (no X25519 key derives from it). */
  | 'BAD_KEY'
  /** snarkjs failed to produce a proof (should not happen once the precondition checks passed). */
  | 'PROVER_FAILED'
  /** The optional prover package snarkjs is not installed (only proving and the ceremony need it). */
  | 'PROVER_UNAVAILABLE'
  /** A setup ceremony misconfiguration. */
  | 'BAD_CONFIG';

/** Failure of a zk operation; the message names the problem and the fix. */
export class ZkError extends Error {
  override readonly name = 'ZkError';
  readonly code: ZkErrorCode;
  /** Field or slot the error is about (e.g. `largestRunFlop`), when there is one. */
  readonly path: string;
  constructor(code: ZkErrorCode, message: string, path = '') {
    super(path ? `${code} at ${path}: ${message}` : `${code}: ${message}`);
    this.code = code;
    this.path = path;
  }
}
