import type { DkgError } from '../errors.js';

/** Wire and state types of the DKG (Deal -> Response -> Justification -> Finish). */

export interface DkgMember {
  /** 1-based index (share index for recipients, dealer index for dealers). */
  index: number;
  /** 32-byte Ed25519 identity public key. */
  publicKey: Uint8Array;
}

/** Phase durations (ms); a phase also ends early once every expected bundle has arrived. */
export interface DkgTimeouts {
  deal: number;
  response: number;
  justification: number;
}

export interface DkgEncryptedShare {
  /** Recipient index. */
  to: number;
  /** AES-256-GCM(ciphertext || tag) of the 32-byte big-endian share. */
  ciphertext: Uint8Array;
}

export interface DkgDeal {
  type: 'deal';
  sessionId: Uint8Array;
  dealer: number;
  /** Feldman commitments g1^a_k, k = 0..t-1 (48 B each). */
  commitments: Uint8Array[];
  /** Ephemeral X25519 public key used for every share of this deal. */
  ephemeralKey: Uint8Array;
  /** One encrypted share per recipient, ascending `to`. */
  shares: DkgEncryptedShare[];
  /** Ed25519 signature of the dealer over the bundle's signing bytes. */
  signature: Uint8Array;
}

export interface DkgResponse {
  type: 'response';
  sessionId: Uint8Array;
  /** Recipient index. */
  from: number;
  /** Dealers whose share was missing or did not match its commitments, ascending. */
  complaints: number[];
  signature: Uint8Array;
}

export interface DkgRevealedShare {
  to: number;
  /** 32-byte big-endian share in the clear. */
  share: Uint8Array;
}

export interface DkgJustification {
  type: 'justification';
  sessionId: Uint8Array;
  dealer: number;
  /** The complained-about shares in the clear, ascending `to`: anyone checks them against the commitments. */
  shares: DkgRevealedShare[];
  signature: Uint8Array;
}

export type DkgBundle = DkgDeal | DkgResponse | DkgJustification;
/** A bundle before its signature is attached. */
export type UnsignedDkgBundle =
  | Omit<DkgDeal, 'signature'>
  | Omit<DkgResponse, 'signature'>
  | Omit<DkgJustification, 'signature'>;

export type DkgExclusionReason =
  | 'NO_DEAL'
  | 'BAD_DEAL'
  | 'BAD_COMMITMENT'
  /** Reshare: the deal's constant-term commitment C_0 is not the dealer's old public share. */
  | 'RESHARE_MISMATCH'
  | 'EQUIVOCATION'
  | 'NO_JUSTIFICATION'
  | 'BAD_JUSTIFICATION';

export interface DkgExclusion {
  dealer: number;
  reason: DkgExclusionReason;
}

export interface DkgOutput {
  /** 48-byte group public key (unchanged by resharing). */
  groupPublicKey: Uint8Array;
  /** Public share of every recipient, by index-1: verifies that member's partial signatures. */
  publicShares: Uint8Array[];
  /** Own 32-byte secret share; empty when this node only dealt (a member leaving in a reshare). */
  secretShare: Uint8Array;
  /** Own recipient index, or null when this node only dealt. */
  index: number | null;
  /** Threshold of the resulting committee. */
  threshold: number;
  /** Dealers whose contribution is in the key, ascending. */
  qualified: number[];
  /** Dealers excluded, with the reason. */
  excluded: DkgExclusion[];
  /** SHA-256 over every accepted bundle in canonical order. */
  transcriptHash: Uint8Array;
}

export interface DkgFailure {
  code: 'NOT_ENOUGH_QUALIFIED' | 'GROUP_KEY_MISMATCH' | 'MISSING_SHARE';
  message: string;
  qualified: number[];
  /** Dealers that never delivered a deal. */
  missing: number[];
  /** Dealers excluded for misbehaviour. */
  cheaters: DkgExclusion[];
  /** The same failure as a typed error (to throw or log). */
  error: DkgError;
}

export type DkgEvent = { type: 'bundle'; bundle: DkgBundle } | { type: 'tick' };

export type DkgPhase = 'deal' | 'response' | 'justification' | 'done' | 'failed';
