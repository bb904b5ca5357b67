import type { NodeStore } from './store/repositories.js';

export interface PeerBookOptions {
  store: NodeStore;
  /** The genesis lab a peer id belongs to, or null for a non-member. */
  labOf(peerId: string): string | null;
  /** Non-member peers remembered across restarts (`limits.maxRememberedPeers`). */
  maxNonMembers: number;
  /** How many peer ids genesis lists for its members (bounds the member rows read back). */
  memberPeerIds: number;
  now?: () => number;
}

/** Candidates (identified non-members not yet useful) kept in memory, most recent last. */
const MAX_CANDIDATES = 256;
/** Addresses remembered per member / per non-member peer. */
const MEMBER_ADDRS = 8;
const NON_MEMBER_ADDRS = 2;
/** A remembered non-member's last-seen time is refreshed at most this often (one write per peer per minute). */
const TOUCH_MS = 60_000;

/** The host part of a `/ip4|ip6|dns*` multiaddr string, or null. */
export function hostOf(addr: string): string | null {
  const m = /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)/.exec(addr);
  return m ? (m[2] as string) : null;
}

/**
 * Which peers the node remembers in its `peers` table and redials after a restart (docs/protocol.md
 * "Admission"). Every genesis member, with the listen addresses it announces. A non-member only once it
 * has been useful (it delivered a valid message this node did not have), at most `maxNonMembers` of them
 * (least recently seen dropped first), and only with addresses on the IP it actually connected from:
 * a peer cannot make this node dial third parties, and a crowd of fresh peer ids costs one bounded,
 * in-memory candidate list, no rows and no dials.
 */
export class PeerBook {
  private readonly candidates = new Map<string, string[]>();
  private readonly touched = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly opts: PeerBookOptions) {
    this.now = opts.now ?? Date.now;
    opts.store.peers.prune(opts.maxNonMembers);
  }

  /** Identify finished: `listenAddrs` are what the peer claims, `remoteAddr` where it connected from. */
  identified(peerId: string, listenAddrs: readonly string[], remoteAddr: string | null): void {
    const lab = this.opts.labOf(peerId);
    if (lab !== null) {
      if (listenAddrs.length === 0) return;
      this.opts.store.peers.upsert({
        peerId,
        lab,
        addrs: listenAddrs.slice(0, MEMBER_ADDRS),
        lastSeen: this.now(),
      });
      return;
    }
    const seenHost = remoteAddr === null ? null : hostOf(remoteAddr);
    const addrs = listenAddrs
      .filter((a) => seenHost !== null && hostOf(a) === seenHost && /\/tcp\/\d+/.test(a))
      .slice(0, NON_MEMBER_ADDRS);
    if (addrs.length === 0) return;
    this.candidates.delete(peerId);
    this.candidates.set(peerId, addrs);
    if (this.candidates.size > MAX_CANDIDATES) {
      const oldest = this.candidates.keys().next();
      if (!oldest.done) this.candidates.delete(oldest.value);
    }
    if (this.touched.has(peerId)) this.remember(peerId, addrs);
  }

  /** `peerId` delivered a valid, new message (gossip or sync): remember it if it is a non-member. */
  useful(peerId: string): void {
    if (this.opts.labOf(peerId) !== null) return;
    const last = this.touched.get(peerId);
    if (last !== undefined && this.now() - last < TOUCH_MS) return;
    const addrs = this.candidates.get(peerId);
    if (addrs) this.remember(peerId, addrs);
  }

  private remember(peerId: string, addrs: string[]): void {
    const t = this.now();
    this.touched.delete(peerId);
    this.touched.set(peerId, t);
    if (this.touched.size > MAX_CANDIDATES) {
      const oldest = this.touched.keys().next();
      if (!oldest.done) this.touched.delete(oldest.value);
    }
    this.opts.store.peers.upsert({ peerId, lab: null, addrs, lastSeen: t });
    this.opts.store.peers.prune(this.opts.maxNonMembers);
  }

  /** Addresses (each ending in /p2p/<id>) of every remembered member and non-member, bounded. */
  dialAddrs(): string[] {
    return this.opts.store.peers
      .list(this.opts.maxNonMembers + this.opts.memberPeerIds)
      .flatMap((p) => p.addrs.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${p.peerId}`)));
  }
}
