/** Typed errors of the crypto package: every failure carries a `code` discriminant. */

export type BlsErrorCode =
  | 'BAD_POINT'
  | 'BAD_SECRET'
  | 'BAD_INDEX'
  | 'BAD_THRESHOLD'
  | 'NOT_ENOUGH_PARTIALS'
  | 'DUPLICATE_INDEX'
  | 'EMPTY_INPUT';

/** Bad BLS input: malformed/infinity/off-subgroup point, invalid scalar, bad partial set. */
export class BlsError extends Error {
  override readonly name = 'BlsError';
  readonly code: BlsErrorCode;
  constructor(code: BlsErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

export type DkgErrorCode =
  | 'BAD_CONFIG'
  | 'MALFORMED'
  | 'NON_CANONICAL'
  | 'OVERSIZED'
  | 'NOT_ENOUGH_QUALIFIED'
  | 'GROUP_KEY_MISMATCH'
  | 'MISSING_SHARE';

/** DKG failure: bad configuration, undecodable bundle, or a ceremony that could not qualify enough dealers. */
export class DkgError extends Error {
  override readonly name = 'DkgError';
  readonly code: DkgErrorCode;
  constructor(code: DkgErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

export type KeystoreErrorCode =
  | 'WRONG_PASSPHRASE'
  | 'TAMPERED'
  | 'UNSUPPORTED_VERSION'
  | 'MALFORMED'
  /** Decrypted, but not a member's secrets (member-keystore.ts layout). */
  | 'BAD_SECRETS';

/** Keystore could not be opened: wrong passphrase, tampered ciphertext, unknown version, malformed JSON or secrets. */
export class KeystoreError extends Error {
  override readonly name = 'KeystoreError';
  readonly code: KeystoreErrorCode;
  constructor(code: KeystoreErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}
