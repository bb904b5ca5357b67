import { KEEP_ALIVE, type PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import type { Genesis } from '@pausenet/protocol';
import type { PeerBans } from './gossip/bans.js';
import type { PausenetLibp2p } from './host.js';
import { type Logger, LogThrottle } from './logger.js';
import type { NodeMetrics } from './metrics.js';
import { PeerBook } from './peer-book.js';
import type { NodeStore } from './store/repositories.js';

export interface PeerManagerOptions {
  host: PausenetLibp2p;
  genesis: Genesis;
  store: NodeStore;
  bans: PeerBans;
  metrics: NodeMetrics;
  logger: Logger;
  /** config.bootstrap: dialled like genesis members' addresses. */
  bootstrap: readonly string[];
  /** Non-member peers remembered across restarts (limits.maxRememberedPeers). */
  maxRememberedPeers: number;
  /** How often the known peers are dialled again (ms, at least 1000). */
  dialIntervalMs: number;
  /** The node's status changed (peers came or went). */
  onChange: () => void;
}

/**
 * The node's peers (docs/protocol.md "Admission control", "Bans"): which genesis lab each peer id is, the
 * peer book of remembered addresses, keeping members connected (keep-alive tags, periodic dialling), and
 * the flood defence (a non-member past the reject limit is banned and hung up on).
 */
export class PeerManager {
  private readonly peerLab = new Map<string, string>();
  private readonly book: PeerBook;
  private readonly throttle = new LogThrottle();
  private dialTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: PeerManagerOptions) {
    for (const m of opts.genesis.members) for (const p of m.peerIds) this.peerLab.set(p, m.id);
    this.book = new PeerBook({
      store: opts.store,
      labOf: (p) => this.labOf(p),
      maxNonMembers: opts.maxRememberedPeers,
      memberPeerIds: this.peerLab.size,
    });
  }

  /** The genesis lab of a peer id, or null for a non-member. */
  labOf(peerId: string): string | null {
    return this.peerLab.get(peerId) ?? null;
  }

  isMember(peerId: string): boolean {
    return this.peerLab.has(peerId);
  }

  /** A peer delivered a message this node accepted (the book may remember it). */
  useful(peerId: string): void {
    this.book.useful(peerId);
  }

  /** Member labs with a live connection, plus `self` if given. */
  connectedLabs(self: string | null): string[] {
    const labs = new Set<string>();
    if (self !== null) labs.add(self);
    for (const p of this.opts.host.getPeers()) {
      const lab = this.peerLab.get(p.toString());
      if (lab) labs.add(lab);
    }
    return [...labs];
  }

  /** Listen for connects, disconnects and identify results (before the host starts). */
  watch(): void {
    const { host, metrics } = this.opts;
    const onPeers = (): void => {
      metrics.peers.set(host.getPeers().length);
      this.opts.onChange();
    };
    host.addEventListener('peer:connect', onPeers);
    host.addEventListener('peer:disconnect', onPeers);
    // Remember members' (and a few useful peers') listen addrs: after a restart they are redialled.
    host.addEventListener('peer:identify', (evt) => {
      const { peerId, listenAddrs, connection } = evt.detail;
      if (this.stopped || !this.opts.store.isOpen) return;
      this.book.identified(
        peerId.toString(),
        listenAddrs.map((a) => a.toString()),
        connection?.remoteAddr?.toString() ?? null,
      );
    });
  }

  /** Keep members connected and dial the known peers now and every interval. */
  async start(): Promise<void> {
    await this.keepMembers();
  }

  /** Dial now and then every interval (after the node is up). */
  startDialling(): void {
    this.dialKnownPeers();
    this.dialTimer = setInterval(() => this.dialKnownPeers(), Math.max(1000, this.opts.dialIntervalMs));
    this.dialTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.dialTimer);
  }

  /**
   * Tag every genesis member's peer id keep-alive (libp2p redials it as soon as it disconnects) and with a
   * high value (the connection pruner never picks it), with its genesis addrs (docs/protocol.md "Admission
   * control"). The periodic dialKnownPeers keeps trying after libp2p's own retries give up.
   */
  private async keepMembers(): Promise<void> {
    const { host, genesis, logger } = this.opts;
    const me = host.peerId.toString();
    for (const m of genesis.members) {
      for (const id of m.peerIds) {
        if (id === me) continue;
        try {
          const peer = peerIdFromString(id);
          const addrs = m.addrs.filter((a) => !a.includes('/p2p/') || a.endsWith(`/p2p/${id}`));
          await host.peerStore.merge(peer, {
            multiaddrs: addrs.map((a) => multiaddr(a.replace(/\/p2p\/[^/]+$/, ''))),
            tags: { [KEEP_ALIVE]: { value: 1 }, 'pausenet-member': { value: 100 } },
          });
        } catch (err) {
          logger.warn(
            { event: 'peer.keep_failed', peer: id, err: (err as Error).message },
            'cannot keep a genesis member connected',
          );
        }
      }
    }
  }

  /** A REJECT from `peer`: past the flood limit a non-member peer is banned and disconnected now. */
  onReject(peer: string, weight = 1): void {
    const { bans, metrics, logger, host } = this.opts;
    if (!bans.noteReject(peer, weight)) return;
    metrics.peersBanned.inc();
    const suppressed = this.throttle.admit('peer banned');
    if (suppressed !== null)
      logger.warn(
        { event: 'peer.banned', peer, ...(suppressed > 0 ? { suppressed } : {}) },
        'peer banned for 10 min: too many invalid messages (flood defence)',
      );
    let id: PeerId;
    try {
      id = peerIdFromString(peer);
    } catch {
      return;
    }
    host
      .hangUp(id)
      .catch((err: Error) =>
        logger.debug({ event: 'peer.hangup_failed', peer, err: err.message }, 'hang up failed'),
      );
  }

  /** Keep connections to bootstrap addrs, genesis members' addrs and remembered peers (every sync interval). */
  private dialKnownPeers(): void {
    if (this.stopped) return;
    const { host, genesis, logger } = this.opts;
    const me = host.peerId.toString();
    const connected = new Set(host.getPeers().map((p) => p.toString()));
    const addrs = new Set<string>([
      ...this.opts.bootstrap,
      ...genesis.members.flatMap((m) => m.addrs),
      ...this.book.dialAddrs(),
    ]);
    const byPeer = new Map<string, string[]>();
    for (const a of addrs) {
      const id = a.split('/p2p/')[1];
      if (!id || id === me || connected.has(id)) continue;
      byPeer.set(id, [...(byPeer.get(id) ?? []), a]);
    }
    for (const [id, list] of byPeer) {
      let peer: PeerId;
      let mas: ReturnType<typeof multiaddr>[];
      try {
        peer = peerIdFromString(id);
        mas = list.map((a) => multiaddr(a));
      } catch {
        continue; // malformed address in config/genesis/peers table: nothing to dial
      }
      host.peerStore
        .merge(peer, { multiaddrs: mas })
        .then(() => host.dial(peer, { signal: AbortSignal.timeout(5000) }))
        .catch((err: Error) =>
          logger.debug({ event: 'peer.dial_failed', peer: id, err: err.message }, 'dial failed'),
        );
    }
  }
}
