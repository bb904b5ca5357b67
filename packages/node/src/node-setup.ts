import { readFileSync } from 'node:fs';
import type { ConnectionGater } from '@libp2p/interface';
import { type Genesis, networkIdOf, parseGenesisYaml, toHex } from '@pausenet/protocol';
import type { SelfIdentity } from './agreement/types.js';
import { connectionLimitsOf, dataPaths, genesisMismatchMessage, type NodeConfig } from './config.js';
import { InboundGate, ipOf } from './connections.js';
import { ConfigError } from './errors.js';
import { PeerBans } from './gossip/bans.js';
import { createHost, loadOrCreateNodeKey, type PausenetLibp2p } from './host.js';
import { DEFAULT_PASSPHRASE_ENV, loadSelfIdentity } from './keystore.js';
import { createLogger, type Logger } from './logger.js';
import { NodeMetrics } from './metrics.js';
import { Store } from './store/store.js';

export interface PausenetNodeOptions {
  logger?: Logger;
  /** HookRunner handed to the agreement; default: built from config.hooks (members only), null if none. */
  hooks?: unknown;
  /** libp2p connection gater (tests cut links with it). */
  connectionGater?: ConnectionGater;
  /** Clock (unix ms); default Date.now. */
  now?: () => number;
  /** Environment for the keystore passphrase (default process.env, from which it is deleted once read). */
  env?: NodeJS.ProcessEnv;
  /** The keystore passphrase itself (the CLI's prompt); takes precedence over keystore.passphraseEnv/File. */
  passphrase?: string;
}

/** Read and parse genesis.yaml; errors name the file. */
export function loadGenesisFile(file: string): Genesis {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      'GENESIS_UNREADABLE',
      `cannot read genesisFile ${file}: ${(err as Error).message}`,
      'genesisFile',
    );
  }
  try {
    return parseGenesisYaml(text);
  } catch (err) {
    throw new ConfigError('GENESIS_UNREADABLE', `genesis ${file}: ${(err as Error).message}`, 'genesisFile');
  }
}

/** What a node is built from (node-setup.ts opens it, node.ts wires it). */
export interface NodeParts {
  config: NodeConfig;
  store: Store;
  host: PausenetLibp2p;
  self: SelfIdentity | null;
  genesis: Genesis;
  networkId: Uint8Array;
  logger: Logger;
  now: () => number;
  bans: PeerBans;
  gate: InboundGate;
  metrics: NodeMetrics;
}

/**
 * Load genesis, the keystore (members), the store (checked against the genesis' network) and the node key;
 * create the libp2p host behind the inbound gate and the bans. Nothing is started. On failure the store is
 * closed again.
 */
export async function openNodeParts(config: NodeConfig, opts: PausenetNodeOptions = {}): Promise<NodeParts> {
  const logger = opts.logger ?? createLogger(config.logLevel, { role: config.role });
  const now = opts.now ?? Date.now;
  const genesis = loadGenesisFile(config.genesisFile);
  const networkId = networkIdOf(genesis);
  const paths = dataPaths(config);
  let self: SelfIdentity | null = null;
  if (config.role === 'member') {
    const ks = config.keystore ?? { file: paths.keystore, passphraseEnv: DEFAULT_PASSPHRASE_ENV };
    self = loadSelfIdentity(ks, genesis, opts.env ?? process.env, opts.passphrase);
  }
  const store = Store.open(config.dataDir);
  try {
    const stored = store.meta.get('networkId');
    if (stored && stored !== toHex(networkId)) {
      throw new ConfigError(
        'CONFIG_INVALID',
        genesisMismatchMessage(config.dataDir, stored, config.genesisFile, toHex(networkId)),
        'dataDir',
      );
    }
    if (!stored) store.meta.set('networkId', toHex(networkId));
    const privateKey = await loadOrCreateNodeKey(paths.nodeKey, logger);
    const memberPeers = new Set(genesis.members.flatMap((m) => m.peerIds));
    const bans = new PeerBans({ isMember: (p) => memberPeers.has(p) });
    const memberIps = new Set(
      genesis.members.flatMap((m) => m.addrs.map(ipOf).filter((ip): ip is string => ip !== null)),
    );
    const limits = connectionLimitsOf(config);
    const metrics = new NodeMetrics();
    const gate = new InboundGate({
      limits,
      memberPeers,
      memberIps,
      onRefuse: (reason) => metrics.inboundRefused.inc({ reason }),
    });
    const host = await createHost({
      privateKey,
      listen: config.listen,
      bootstrap: config.bootstrap,
      networkIdHex: toHex(networkId),
      gossip: { maxMessageBytes: config.limits.maxMessageBytes },
      connectionGater: gate.gater(bans.gater(opts.connectionGater)),
      connections: { limits, allowIps: [...memberIps] },
    });
    gate.connections = () => host.getConnections();
    // `self` names this node's lab; a line's `lab` is the subject of its event (docs/node.md "Logs").
    const log = logger.child({ self: self?.lab ?? null, peerId: host.peerId.toString() });
    if (self) {
      const me = genesis.members.find((m) => m.id === self?.lab);
      if (me && me.peerIds.length > 0 && !me.peerIds.includes(host.peerId.toString())) {
        log.warn(
          { event: 'node.peer_id_not_in_genesis', peerIds: me.peerIds },
          'this node peer id is not listed in genesis for this lab',
        );
      }
    }
    return { config, store, host, self, genesis, networkId, logger: log, now, bans, gate, metrics };
  } catch (err) {
    store.close();
    throw err;
  }
}
