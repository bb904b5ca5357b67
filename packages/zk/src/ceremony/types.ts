import type { VerificationKeyJson } from '../vkey.js';

/** A member of the setup ceremony: 1-based index (the contribution order) and Ed25519 identity key. */
export interface SetupMember {
  index: number;
  publicKey: Uint8Array;
}

/**
 * One contribution, broadcast to every participant. Phase 1 carries the whole new powers-of-tau
 * accumulator (.ptau), phase 2 the whole new proving key (.zkey); both files keep every earlier
 * contribution's public record, so anyone can verify the chain from its start.
 */
export interface SetupContribution {
  /**
   * `contribution`: a new head for its phase. `prepared` (phase 1 only): the final powers of tau with
   * the Lagrange-basis sections snarkjs' phase 2 needs, computed once by one member (the slowest step
   * by far) and verified by everyone else (~85x cheaper than computing it at 2^13).
   */
  type: 'contribution' | 'prepared';
  /** 32 bytes binding the ceremony (for the genesis ceremony: ceremonyIdOf(genesis)). */
  sessionId: Uint8Array;
  phase: 1 | 2;
  /** Contributor's member index. */
  index: number;
  /** SHA-256 of the file this contribution extends (the previous head). */
  prev: Uint8Array;
  data: Uint8Array;
  /** Ed25519 by the contributor over setupSigningBytes(...). */
  signature: Uint8Array;
}

export type SetupExclusionReason =
  /** The member's turn passed without a contribution. */
  | 'TIMEOUT'
  /** snarkjs rejected the contribution, or it dropped/changed earlier contributions. */
  | 'BAD_CONTRIBUTION'
  /** It extends another file than the current head. */
  | 'WRONG_PREV'
  /** Its prepared phase-1 file fails snarkjs' check or changes the accumulator. */
  | 'BAD_PREPARED';

export interface SetupExclusion {
  phase: 1 | 2;
  index: number;
  reason: SetupExclusionReason;
  detail: string;
}

export interface SetupOutput {
  verificationKey: VerificationKeyJson;
  /** encodeVerificationKey(verificationKey): goes into genesis. */
  verificationKeyBytes: Uint8Array;
  /** The final .zkey: every lab proves with it (its hash is SHA-256 of these bytes). */
  provingKey: Uint8Array;
  /** SHA-256 over the session, circuit, every accepted contribution and the verification key. */
  transcriptHash: Uint8Array;
  contributors: { phase1: number[]; phase2: number[] };
  excluded: SetupExclusion[];
}

export interface SetupFailure {
  /** Too few accepted contributions in a phase, or no member delivered a valid prepared phase-1 file. */
  code: 'NOT_ENOUGH_CONTRIBUTIONS' | 'NOT_PREPARED';
  message: string;
  phase: 1 | 2;
  contributors: number[];
  excluded: SetupExclusion[];
}

export type SetupEvent = { type: 'message'; message: SetupContribution } | { type: 'tick' };
