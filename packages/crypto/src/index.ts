/** @packageDocumentation Pure cryptography for pausenet: Ed25519 identities, threshold BLS, DKG, keystore. */

export type { BlsBatchItem, BlsPartial } from './bls.js';
export {
  aggregateSignatures,
  batchVerify,
  blsCheckPublicKey,
  blsCheckSignature,
  blsSecretToPublic,
  blsSign,
  blsVerify,
  fastAggregateVerify,
  hashToG2,
  POP_DST,
  recoverSignature,
  verifyPartial,
  verifyPublicShares,
} from './bls.js';
export { fromHex, toHex } from './bytes.js';
export {
  decodeDkgBundle,
  dkgBundleSigningBytes,
  encodeDkgBundle,
  MAX_DKG_BUNDLE_BYTES,
  signDkgBundle,
  verifyDkgBundleSignature,
} from './dkg/codec.js';
export type { DkgInitOptions, DkgReshareOptions, DkgState, DkgStepResult } from './dkg/state-machine.js';
export { dkgInit, dkgInitReshare, dkgStep } from './dkg/state-machine.js';
export type {
  DkgBundle,
  DkgDeal,
  DkgEncryptedShare,
  DkgEvent,
  DkgExclusion,
  DkgExclusionReason,
  DkgFailure,
  DkgJustification,
  DkgMember,
  DkgOutput,
  DkgPhase,
  DkgResponse,
  DkgRevealedShare,
  DkgTimeouts,
  UnsignedDkgBundle,
} from './dkg/types.js';
export type { Ed25519KeyPair } from './ed25519.js';
export { ed25519Generate, ed25519PublicKey, ed25519Sign, ed25519Verify } from './ed25519.js';
export type { BlsErrorCode, DkgErrorCode, KeystoreErrorCode } from './errors.js';
export { BlsError, DkgError, KeystoreError } from './errors.js';
export { sha256Native } from './hash.js';
export type { KeystoreJson, KeystoreOptions, ScryptParams } from './keystore.js';
export { DEFAULT_SCRYPT, decryptKeystore, encryptKeystore, KEYSTORE_VERSION } from './keystore.js';
export type { MemberSecrets, OpenedMemberKeystore } from './member-keystore.js';
export {
  decodeMemberSecrets,
  encodeMemberSecrets,
  MEMBER_SECRETS_VERSION,
  openMemberKeystore,
  sealMemberKeystore,
} from './member-keystore.js';
