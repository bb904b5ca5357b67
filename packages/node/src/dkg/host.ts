import type { ConnectionGater, PeerId, PrivateKey } from '@libp2p/interface';
import { ceremonyIdOf, type Genesis, toHex } from '@pausenet/protocol';
import { type ConnectionLimits, defaultConnectionLimits, InboundGate, ipOf } from '../connections.js';
import { createHost, type PausenetLibp2p } from '../host.js';
import { ceremonyNames } from './wire.js';

/** Peer ids genesis lists for its members: the only peers a DKG host talks to. */
export function genesisPeerIds(genesis: Genesis): Set<string> {
  return new Set(genesis.members.flatMap((m) => m.peerIds));
}

/**
 * A connection gater admitting only genesis members' peer ids, both directions (docs/protocol.md "DKG
 * ceremony (network)"): an outsider cannot connect, poll, or relay anything on the ceremony topic.
 */
export function genesisOnlyGater(genesis: Genesis, inner: ConnectionGater = {}): ConnectionGater {
  const allowed = genesisPeerIds(genesis);
  const outsider = (p: PeerId): boolean => !allowed.has(p.toString());
  return {
    ...inner,
    denyDialPeer: async (p) => outsider(p) || ((await inner.denyDialPeer?.(p)) ?? false),
    denyInboundEncryptedConnection: async (p, c) =>
      outsider(p) || ((await inner.denyInboundEncryptedConnection?.(p, c)) ?? false),
    denyOutboundEncryptedConnection: async (p, c) =>
      outsider(p) || ((await inner.denyOutboundEncryptedConnection?.(p, c)) ?? false),
  };
}

/**
 * The libp2p host a member runs the DKG on: genesis peers only, gossip restricted to the ceremony topic,
 * and the node's inbound limits (silent sockets from outsiders cannot lock members out before the
 * handshake shows who they are).
 */
export async function createDkgHost(opts: {
  privateKey: PrivateKey;
  listen?: string[];
  genesis: Genesis;
  connectionGater?: ConnectionGater;
  limits?: ConnectionLimits;
}): Promise<PausenetLibp2p> {
  const limits = opts.limits ?? defaultConnectionLimits;
  const memberIps = new Set(
    opts.genesis.members.flatMap((m) => m.addrs.map(ipOf).filter((ip): ip is string => ip !== null)),
  );
  const gate = new InboundGate({ limits, memberPeers: genesisPeerIds(opts.genesis), memberIps });
  const host = await createHost({
    privateKey: opts.privateKey,
    ...(opts.listen ? { listen: opts.listen } : {}),
    topics: [ceremonyNames(toHex(ceremonyIdOf(opts.genesis))).topic],
    connectionGater: gate.gater(genesisOnlyGater(opts.genesis, opts.connectionGater)),
    connections: { limits, allowIps: [...memberIps] },
  });
  gate.connections = () => host.getConnections();
  return host;
}
