import type { Connection, ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface';

/** Inbound connection limits (docs/protocol.md "Admission control"; node config `limits.*`). */
export interface ConnectionLimits {
  /** Connections still in their upgrade (Noise + Yamux) from non-member IPs, in total. */
  maxPendingInbound: number;
  /** Of those, from one IP (IPv6: one /64). */
  maxPendingInboundPerIp: number;
  /** An inbound upgrade must finish within this many ms, else the socket is closed. */
  inboundUpgradeTimeoutMs: number;
  /** New inbound connections per second per IP (libp2p `inboundConnectionThreshold`); member IPs exempt. */
  inboundConnectionsPerIpPerSec: number;
  /** Open connections in total; non-members may hold all but the slots reserved for members. */
  maxConnections: number;
}

export const defaultConnectionLimits: ConnectionLimits = {
  maxPendingInbound: 64,
  maxPendingInboundPerIp: 4,
  inboundUpgradeTimeoutMs: 5_000,
  inboundConnectionsPerIpPerSec: 5,
  maxConnections: 300,
};

/** The IP a multiaddr string starts with (`/ip4/x`, `/ip6/x`), or null for DNS and other addresses. */
export function ipOf(addr: string): string | null {
  const m = /^\/(ip4|ip6)\/([^/]+)/.exec(addr);
  return m ? (m[2] as string) : null;
}

/** The key inbound limits count by: the IPv4 address, or the /64 prefix of an IPv6 address. */
export function ipKey(ip: string): string {
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t]
    : h;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}

export interface InboundGateOptions {
  limits: ConnectionLimits;
  /** Peer ids genesis lists for its members. */
  memberPeers: ReadonlySet<string>;
  /** IPs from genesis members' addrs: their pending connections have their own pool. */
  memberIps: ReadonlySet<string>;
  /** The host's open connections (set once the host exists). */
  connections?: () => readonly Connection[];
  /** Told of every refusal, with why (metrics). */
  onRefuse?: (reason: InboundRefusal) => void;
}

/** Why the gate refused an inbound connection. */
export type InboundRefusal = 'PENDING_PER_IP' | 'PENDING_TOTAL' | 'NON_MEMBER_CONNECTIONS';

/**
 * Admission of inbound connections (docs/protocol.md "Admission control"), as a libp2p connection gater.
 * Before the handshake only the IP is known: at most `maxPendingInboundPerIp` upgrades may be pending per
 * IP and `maxPendingInbound` from all non-member IPs together, so silent sockets from a few hosts cannot
 * take every slot (libp2p's own default is 10 pending in total). IPs listed in genesis members' addrs
 * have a pool of their own. After the handshake the peer id is known: members are always admitted;
 * non-members only while they hold fewer than `maxConnections` minus the slots reserved for members.
 */
export class InboundGate {
  private readonly pendingByIp = new Map<string, number>();
  private readonly pendingConns = new WeakMap<MultiaddrConnection, string>();
  private nonMemberPending = 0;
  private readonly reserved: number;
  connections: () => readonly Connection[];

  constructor(private readonly opts: InboundGateOptions) {
    this.connections = opts.connections ?? (() => []);
    // two connections per member peer id (one each way) are never taken by non-members
    this.reserved = Math.min(opts.limits.maxConnections - 1, 2 * opts.memberPeers.size);
  }

  /** Upgrades pending per IP key and in total (metrics, tests). */
  pending(): { total: number; byIp: Record<string, number> } {
    return { total: this.nonMemberPending, byIp: Object.fromEntries(this.pendingByIp) };
  }

  private isMemberIp(ip: string): boolean {
    return this.opts.memberIps.has(ip);
  }

  /** Before the handshake: true refuses (the socket is closed at once). */
  denyInboundConnection(maConn: MultiaddrConnection): boolean {
    const ip = ipOf(maConn.remoteAddr.toString());
    if (ip === null) return false;
    const key = ipKey(ip);
    const member = this.isMemberIp(ip);
    const n = this.pendingByIp.get(key) ?? 0;
    const { maxPendingInbound, maxPendingInboundPerIp } = this.opts.limits;
    // a member host's own pool: as many pending as all outsiders together may have
    const refusal: InboundRefusal | null = member
      ? n >= maxPendingInbound
        ? 'PENDING_TOTAL'
        : null
      : n >= maxPendingInboundPerIp
        ? 'PENDING_PER_IP'
        : this.nonMemberPending >= maxPendingInbound
          ? 'PENDING_TOTAL'
          : null;
    if (refusal !== null) {
      this.opts.onRefuse?.(refusal);
      return true;
    }
    this.pendingByIp.set(key, n + 1);
    if (!member) this.nonMemberPending++;
    this.pendingConns.set(maConn, key);
    // the upgrade ends either way: handshake done (below) or socket closed (timeout, error, refusal)
    maConn.addEventListener('close', () => this.release(maConn), { once: true });
    return false;
  }

  private release(maConn: MultiaddrConnection): void {
    const key = this.pendingConns.get(maConn);
    if (key === undefined) return;
    this.pendingConns.delete(maConn);
    const n = (this.pendingByIp.get(key) ?? 1) - 1;
    if (n <= 0) this.pendingByIp.delete(key);
    else this.pendingByIp.set(key, n);
    const ip = ipOf(maConn.remoteAddr.toString());
    if (ip !== null && !this.isMemberIp(ip)) this.nonMemberPending = Math.max(0, this.nonMemberPending - 1);
  }

  /** After the handshake: members always; a non-member while non-members hold fewer than their share. */
  denyEncrypted(peer: PeerId, maConn: MultiaddrConnection | undefined): boolean {
    if (maConn) this.release(maConn);
    const id = peer.toString();
    if (this.opts.memberPeers.has(id)) return false;
    let nonMembers = 0;
    for (const c of this.connections()) if (!this.opts.memberPeers.has(c.remotePeer.toString())) nonMembers++;
    if (nonMembers < this.opts.limits.maxConnections - this.reserved) return false;
    this.opts.onRefuse?.('NON_MEMBER_CONNECTIONS');
    return true;
  }

  /** This gate composed with `inner` (bans, tests' link cutting): refused if either refuses. */
  gater(inner: ConnectionGater = {}): ConnectionGater {
    return {
      ...inner,
      denyInboundConnection: async (maConn) =>
        this.denyInboundConnection(maConn) || ((await inner.denyInboundConnection?.(maConn)) ?? false),
      denyInboundEncryptedConnection: async (peer, maConn) =>
        this.denyEncrypted(peer, maConn) ||
        ((await inner.denyInboundEncryptedConnection?.(peer, maConn)) ?? false),
    };
  }
}
