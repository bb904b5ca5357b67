import type { ConnectionGater, PeerId } from '@libp2p/interface';

/**
 * REJECTs one invalid item in a sync response counts as, when the item breaks a rule that depends on the
 * receiver's own state (e.g. C_PREV_MISMATCH: an honest observer can serve the other fork of an
 * equivocating member, which the receiver rejects against the fork it stored first). Two such responses
 * in the window ban (docs/protocol.md "Bans").
 */
export const SYNC_REJECT_WEIGHT = 4;

/**
 * Codes of a sync item that no honest responder can hold: bytes that do not decode (or not canonically, or
 * too large), and signatures that do not verify. Both depend only on the bytes and the genesis, and a
 * responder serves only what it stored, which it validated first; so a non-member serving one in a
 * response this node asked for is banned at once (docs/protocol.md "Bans").
 */
const FORGED_SYNC_ITEM = new Set([
  // decoding (ProtocolError codes) and the kinds' size rules
  'OVERSIZED',
  'MALFORMED',
  'NON_CANONICAL',
  'UNKNOWN_FIELD',
  'MISSING_FIELD',
  'WRONG_TYPE',
  'OUT_OF_RANGE',
  'INVALID_ARGUMENT',
  'C_SIZE',
  'E_SIZE',
  'V_SIZE',
  'K_SIZE',
  // signatures
  'C_SIGNATURE',
  'C_ATTESTATION',
  'E_SIGNATURE',
  'V_SIGNATURE',
  'V_PARTIAL',
  'K_SIGNATURE',
]);

/** REJECTs a sync response whose first invalid item failed with `code` counts as (Infinity: ban at once). */
export function syncRejectWeight(code: string): number {
  return FORGED_SYNC_ITEM.has(code) ? Number.POSITIVE_INFINITY : SYNC_REJECT_WEIGHT;
}

/** Above this many tracked peers, stale entries are pruned on the next REJECT. */
const MAX_TRACKED = 10_000;

export interface PeerBansOptions {
  /** Genesis members' peer ids are never banned (their bad messages are still rejected and scored). */
  isMember(peerId: string): boolean;
  /** REJECT verdicts within `windowMs` (default 10 s) that get a non-member peer banned (default 8: gossipsub graylists after a few, but a flood lands hundreds before its score refresh). */
  maxRejects?: number;
  windowMs?: number;
  /** How long a banned peer is disconnected and refused (default 10 min). */
  banMs?: number;
  now?: () => number;
}

/**
 * Flood defence beyond gossipsub's score: a NON-member peer that earns `maxRejects` REJECT verdicts in
 * `windowMs` is disconnected and refused (dial and inbound) for `banMs`. Gossipsub's graylist already
 * drops such a peer's messages, but still reads, decrypts and decodes all of its traffic; a ban stops
 * that cost at the connection. Members are known by genesis and never banned: a member's bad messages
 * are rejected one by one, its liveness is worth more than the CPU.
 */
export class PeerBans {
  private readonly rejects = new Map<string, number[]>();
  private readonly banned = new Map<string, number>();
  private readonly maxRejects: number;
  private readonly windowMs: number;
  private readonly banMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: PeerBansOptions) {
    this.maxRejects = opts.maxRejects ?? 8;
    this.windowMs = opts.windowMs ?? 10_000;
    this.banMs = opts.banMs ?? 600_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Count a REJECT from `peer` (`weight` of them: a sync response holding an invalid item counts
   * syncRejectWeight(code)); true when this one got the peer banned (the caller hangs up).
   */
  noteReject(peer: string, weight = 1): boolean {
    if (this.opts.isMember(peer) || this.isBanned(peer)) return false;
    const t = this.now();
    if (this.rejects.size + this.banned.size > MAX_TRACKED) this.prune(t);
    const recent = (this.rejects.get(peer) ?? []).filter((x) => t - x < this.windowMs);
    if (recent.length + weight < this.maxRejects) {
      for (let i = 0; i < weight; i++) recent.push(t);
      this.rejects.set(peer, recent);
      return false;
    }
    this.rejects.delete(peer);
    this.banned.set(peer, t + this.banMs);
    return true;
  }

  /** Forget reject windows that have passed and bans that have expired (bounded memory under Sybil churn). */
  private prune(t: number): void {
    for (const [p, ts] of this.rejects) if (ts.every((x) => t - x >= this.windowMs)) this.rejects.delete(p);
    for (const [p, until] of this.banned) if (t >= until) this.banned.delete(p);
  }

  isBanned(peer: string): boolean {
    const until = this.banned.get(peer);
    if (until === undefined) return false;
    if (this.now() < until) return true;
    this.banned.delete(peer);
    return false;
  }

  /** Banned peer ids (status/metrics). */
  list(): string[] {
    return [...this.banned.keys()].filter((p) => this.isBanned(p));
  }

  /** A connection gater that refuses banned peers, then asks `inner` (tests' link cutting) if given. */
  gater(inner: ConnectionGater = {}): ConnectionGater {
    const banned = (p: PeerId): boolean => this.isBanned(p.toString());
    return {
      ...inner,
      denyDialPeer: async (p) => banned(p) || ((await inner.denyDialPeer?.(p)) ?? false),
      denyInboundEncryptedConnection: async (p, c) =>
        banned(p) || ((await inner.denyInboundEncryptedConnection?.(p, c)) ?? false),
      denyOutboundEncryptedConnection: async (p, c) =>
        banned(p) || ((await inner.denyOutboundEncryptedConnection?.(p, c)) ?? false),
    };
  }
}
