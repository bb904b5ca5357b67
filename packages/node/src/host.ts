import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bootstrap } from '@libp2p/bootstrap';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { type GossipSub, type GossipsubOpts, gossipsub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { ConnectionGater, Libp2p, PrivateKey } from '@libp2p/interface';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import type { ConnectionLimits } from './connections.js';
import { ConfigError } from './errors.js';
import type { Logger } from './logger.js';
import { GOSSIP_KINDS, topicName } from './topics.js';

export type PausenetServices = {
  pubsub: GossipSub;
  identify: unknown;
  ping: unknown;
};
export type PausenetLibp2p = Libp2p<PausenetServices>;

/** Load the libp2p identity key from `file`, or create it (mode 0600, atomic write). */
export async function loadOrCreateNodeKey(file: string, logger?: Logger): Promise<PrivateKey> {
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      logger?.warn(
        { event: 'node.key_mode_fixed', file, mode: mode.toString(8) },
        'node key file is readable by others; tightening to 0600',
      );
      chmodSync(file, 0o600);
    }
    try {
      return privateKeyFromProtobuf(new Uint8Array(readFileSync(file)));
    } catch (err) {
      throw new ConfigError(
        'CONFIG_INVALID',
        `node identity key ${file} is unreadable (${(err as Error).message}); restore it from backup, or delete it to create a new peer id (then update this lab's peerIds in genesis)`,
        'node-key',
      );
    }
  }
  const key = await generateKeyPair('Ed25519');
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, privateKeyToProtobuf(key), { mode: 0o600 });
  renameSync(tmp, file);
  return key;
}

export interface GossipTuning {
  /** Mesh degree and bounds; defaults suit tens of labs plus observers. */
  D: number;
  Dlo: number;
  Dhi: number;
  heartbeatIntervalMs: number;
  /** Max gossip message payload in bytes (larger frames are dropped before decoding). */
  maxMessageBytes: number;
}

export const defaultGossipTuning: GossipTuning = {
  D: 5,
  Dlo: 3,
  Dhi: 10,
  heartbeatIntervalMs: 500,
  maxMessageBytes: 262_144,
};

export interface HostOptions {
  privateKey: PrivateKey;
  /** Multiaddrs to listen on (default /ip4/127.0.0.1/tcp/0). */
  listen?: string[];
  /** Multiaddrs ending in /p2p/<peerId> to dial at start. */
  bootstrap?: string[];
  /** When set, the gossip service is tuned and restricted to this network's four topics. */
  networkIdHex?: string;
  /** Restrict the gossip service to exactly these topics instead (the DKG ceremony's one topic). */
  topics?: string[];
  gossip?: Partial<GossipTuning>;
  /** Deny/allow hooks (the node's InboundGate and bans; tests use it to cut links). */
  connectionGater?: ConnectionGater;
  /**
   * Inbound connection limits (docs/protocol.md "Admission control"); `allowIps` (genesis members' IPs)
   * skip libp2p's own pending, rate and total checks (the gate gives them a pool of their own).
   */
  connections?: { limits: ConnectionLimits; allowIps: readonly string[] };
  /** Application-specific peer score (P5), e.g. a bonus for genesis members' peers. */
  appSpecificScore?: (peerId: string) => number;
}

/** Message id = SHA-256 of the payload: identical bytes from any peer are one message. */
export function messageId(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** Peer-score params: every REJECT costs score; negative peers leave the mesh at the next heartbeat. */
export function peerScoreParams(
  topics: string[],
  appSpecificScore?: (p: string) => number,
): Partial<GossipsubOpts['scoreParams']> {
  const perTopic = {
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1_000,
    timeInMeshCap: 100,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 20,
    // Messages are rare (a few per epoch): a delivery-rate deficit is not misbehaviour here.
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.9,
    meshMessageDeliveriesCap: 10,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 60_000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.9,
    // P4: (invalid count)^2 * -20 per topic; decays ~1%/s (half-life ~70 s).
    invalidMessageDeliveriesWeight: -20,
    invalidMessageDeliveriesDecay: 0.99,
  };
  return {
    topics: Object.fromEntries(topics.map((t) => [t, perTopic])),
    topicScoreCap: 50,
    appSpecificScore: appSpecificScore ?? (() => 0),
    appSpecificWeight: 1,
    // Members are few and known by genesis; many may share a NAT/host. Sybils gain nothing from IPs.
    IPColocationFactorWeight: 0,
    IPColocationFactorThreshold: 10,
    behaviourPenaltyWeight: -10,
    behaviourPenaltyThreshold: 6,
    behaviourPenaltyDecay: 0.9,
    decayInterval: 1_000,
    decayToZero: 0.01,
    // Remember a misbehaving peer's score for an hour across reconnects.
    retainScore: 3_600_000,
  };
}

/** Score thresholds: one REJECT (-20) drops gossip to the peer; three graylist it. */
export const peerScoreThresholds = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 1,
};

/**
 * libp2p's connection manager, configured deliberately: its defaults (10 pending inbound upgrades in total,
 * 10 s to finish one) let ~10 silent sockets lock every newcomer out. Both pools of the InboundGate fit
 * under the pending cap; upgrades that do not finish in time are closed.
 */
function connectionManagerInit(c: { limits: ConnectionLimits; allowIps: readonly string[] }) {
  return {
    maxIncomingPendingConnections: 2 * c.limits.maxPendingInbound,
    inboundUpgradeTimeout: c.limits.inboundUpgradeTimeoutMs,
    inboundConnectionThreshold: c.limits.inboundConnectionsPerIpPerSec,
    maxConnections: c.limits.maxConnections,
    allow: c.allowIps.map((ip) => (ip.includes(':') ? `/ip6/${ip}` : `/ip4/${ip}`)),
  };
}

/** Start a libp2p host with pausenet's transports and (optionally) its gossip tuning. */
export async function createHost(opts: HostOptions): Promise<PausenetLibp2p> {
  const tuning = { ...defaultGossipTuning, ...opts.gossip };
  const topics =
    opts.topics ??
    (opts.networkIdHex ? GOSSIP_KINDS.map((k) => topicName(opts.networkIdHex as string, k)) : []);
  const bootstrapList = opts.bootstrap ?? [];
  const node = await createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen ?? ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: bootstrapList.length > 0 ? [bootstrap({ list: bootstrapList, timeout: 100 })] : [],
    ...(opts.connectionGater ? { connectionGater: opts.connectionGater } : {}),
    ...(opts.connections ? { connectionManager: connectionManagerInit(opts.connections) } : {}),
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        D: tuning.D,
        Dlo: tuning.Dlo,
        Dhi: tuning.Dhi,
        Dout: Math.min(2, tuning.Dlo - 1),
        Dscore: Math.min(3, tuning.Dlo),
        Dlazy: tuning.D,
        heartbeatInterval: tuning.heartbeatIntervalMs,
        // Small nets: publish our own messages to every subscribed peer, not only the mesh.
        floodPublish: true,
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        // Authenticity is end-to-end (Ed25519/BLS inside the payload); the pubsub envelope stays unsigned.
        globalSignaturePolicy: 'StrictNoSign',
        msgIdFn: (msg) => messageId(msg.data),
        emitSelf: false,
        doPX: false,
        maxInboundDataLength: tuning.maxMessageBytes,
        ...(topics.length > 0
          ? {
              allowedTopics: topics,
              scoreParams: peerScoreParams(topics, opts.appSpecificScore),
              scoreThresholds: peerScoreThresholds,
            }
          : {}),
      }),
    },
  });
  return node as unknown as PausenetLibp2p;
}

/** The gossipsub score of a peer (0 if unknown). */
export function peerScore(host: PausenetLibp2p, peerId: string): number {
  const ps = host.services.pubsub as unknown as { getScore?(p: string): number };
  return ps.getScore?.(peerId) ?? 0;
}
