import type { MessageKind } from '../message.js';
import { PeerRateLimiter } from './rate-limit.js';

/** Signature checks one message of a kind may cost at most (docs/protocol.md "Admission control"). */
const COST: Record<MessageKind, { bls: number; ed25519: number }> = {
  // K_SIGNATURE: one pairing under the group key
  certificate: { bls: 1, ed25519: 0 },
  // V_SIGNATURE + V_PARTIAL
  vote: { bls: 1, ed25519: 1 },
  // C_SIGNATURE (+ attestations, few)
  commitment: { bls: 0, ed25519: 1 },
  // E_SIGNATURE + up to two embedded commitments (equivocation)
  evidence: { bls: 0, ed25519: 3 },
};

/** One token bucket shared by every peer it is charged for. */
class SharedBucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.at = now();
  }
  /** Whether `n` tokens are there now. */
  has(n: number): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.at) / 1000) * this.ratePerSec);
    this.at = t;
    return this.tokens >= n;
  }
  take(n: number): void {
    this.tokens -= n;
  }
}

export interface GossipAdmissionOptions {
  /** The peer id is listed in genesis for a member. */
  isMember(peer: string): boolean;
  /** Sustained gossip messages per second per member peer (`limits.perPeerMsgsPerSec`; burst 4x). */
  perPeerMsgsPerSec: number;
  /** Sustained gossip messages per second per non-member peer (`limits.outsiderMsgsPerSec`). */
  outsiderMsgsPerSec: number;
  /** Messages a non-member peer may send at once before its rate applies (`limits.outsiderBurst`). */
  outsiderBurst: number;
  /** BLS pairings per second all non-member peers together may cost (`limits.outsiderBlsPerSec`). */
  outsiderBlsPerSec: number;
  /** Ed25519 verifications per second all non-member peers together may cost (`limits.outsiderEd25519PerSec`). */
  outsiderEd25519PerSec: number;
  now?: () => number;
}

/** Why a gossip message was dropped before validation ([IGNORE], counted, no penalty). */
export type AdmissionDrop = 'RATE_LIMITED' | 'VERIFY_BUDGET';

/**
 * Admission of gossip before any signature is checked (docs/protocol.md "Admission control"). Every peer has
 * a token bucket: a member `perPeerMsgsPerSec` with a burst of 4x that, a non-member `outsiderMsgsPerSec` with
 * a burst of only `outsiderBurst`, so a fresh peer id buys a handful of checks, not hundreds. On top, the signature checks that messages from
 * non-members may cost are drawn from budgets shared by ALL non-members (BLS pairings and Ed25519
 * verifications per second), because peer ids are free: per-peer limits alone do not bound a crowd of them.
 * Members are never charged: their traffic is bounded by the protocol and their liveness comes first.
 */
export class GossipAdmission {
  private readonly members: PeerRateLimiter;
  private readonly outsiders: PeerRateLimiter;
  private readonly bls: SharedBucket;
  private readonly ed25519: SharedBucket;

  constructor(private readonly opts: GossipAdmissionOptions) {
    const now = opts.now ?? Date.now;
    this.members = new PeerRateLimiter(opts.perPeerMsgsPerSec, Math.max(1, opts.perPeerMsgsPerSec * 4), now);
    this.outsiders = new PeerRateLimiter(opts.outsiderMsgsPerSec, Math.max(1, opts.outsiderBurst), now);
    this.bls = new SharedBucket(opts.outsiderBlsPerSec, Math.max(1, opts.outsiderBlsPerSec * 2), now);
    this.ed25519 = new SharedBucket(
      opts.outsiderEd25519PerSec,
      Math.max(3, opts.outsiderEd25519PerSec * 2),
      now,
    );
  }

  /** null: validate this message; else why it is dropped unvalidated. */
  admit(peer: string, kind: MessageKind): AdmissionDrop | null {
    if (this.opts.isMember(peer)) return this.members.take(peer) ? null : 'RATE_LIMITED';
    if (!this.outsiders.take(peer)) return 'RATE_LIMITED';
    const cost = COST[kind];
    // Check both before taking either, so a refused message costs no budget.
    if (!this.bls.has(cost.bls) || !this.ed25519.has(cost.ed25519)) return 'VERIFY_BUDGET';
    this.bls.take(cost.bls);
    this.ed25519.take(cost.ed25519);
    return null;
  }
}
