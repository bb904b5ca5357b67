import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PausenetNode, parseNodeConfig } from '@pausenet/node';
import { apiToken } from './api.js';
import {
  FAST_SYNC,
  type RawConfig,
  type TestNetworkFiles,
  type TestNetworkFilesOptions,
  writeTestNetwork,
} from './files.js';

/**
 * @packageDocumentation Nodes in this process (`@pausenet/testkit/network`): real PausenetNodes (libp2p over
 * TCP on 127.0.0.1, SQLite stores, hooks) of a test network on disk, plus helpers for their HTTP API.
 */

export type { ApiNode, Json } from './api.js';
export { apiGet, apiPost, apiToken, commitmentBody } from './api.js';
export type { NodeDir, RawConfig, TestNetworkFiles, TestNetworkFilesOptions } from './files.js';
export { FAST_SYNC, writeConfigFile, writeTestNetwork } from './files.js';
export { sleep, waitFor } from './wait.js';

/** A running member of a local network. */
export interface LocalMember {
  id: string;
  name: string;
  node: PausenetNode;
  /** Its API bearer token. */
  token: string;
  /** With `fileHooks`: the file hook's sentinel, present while the member is halted. */
  sentinel: string;
}

export interface LocalNetwork {
  files: TestNetworkFiles;
  members: LocalMember[];
  observers: PausenetNode[];
  /** Stop every node and delete the tmp dir. */
  stop(): Promise<void>;
}

export interface LocalNetworkOptions extends TestNetworkFilesOptions {
  /** Give every member a `file` halt hook (sentinel `<dir>/<lab>.PAUSED`). */
  fileHooks?: boolean;
  /** Config fields for every node (default: FAST_SYNC). */
  config?: RawConfig;
}

/** Full multiaddrs (…/p2p/<peerId>) of running nodes, to bootstrap others to. */
export function p2pAddrs(nodes: readonly PausenetNode[]): string[] {
  return nodes.flatMap((n) => n.multiaddrs.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${n.peerId}`)));
}

/** Create and start a node from a raw config; the caller stops it. */
export async function startNode(config: RawConfig, env: Record<string, string>): Promise<PausenetNode> {
  const node = await PausenetNode.create(parseNodeConfig(config), { env: { ...process.env, ...env } });
  try {
    await node.start();
  } catch (err) {
    await node.stop().catch(() => undefined);
    throw err;
  }
  return node;
}

/**
 * Write a test network and start it: members one by one, each bootstrapping to those before it, then the
 * observers bootstrapping to every member. On failure everything already started is stopped.
 */
export async function startLocalNetwork(opts: LocalNetworkOptions): Promise<LocalNetwork> {
  const { fileHooks, config, ...fileOpts } = opts;
  const files = await writeTestNetwork(fileOpts);
  const started: PausenetNode[] = [];
  const stop = async () => {
    await Promise.all(started.map((n) => n.stop()));
    files.cleanup();
  };
  try {
    const extra = config ?? { sync: FAST_SYNC };
    const members: LocalMember[] = [];
    for (const [i, lab] of files.labs.entries()) {
      const sentinel = join(files.dir, `${lab.id}.PAUSED`);
      const node = await startNode(
        files.memberConfig(i, {
          bootstrap: p2pAddrs(members.map((m) => m.node)),
          ...(fileHooks ? { hooks: [{ type: 'file', name: 'sentinel', path: sentinel }] } : {}),
          ...extra,
        }),
        files.env,
      );
      started.push(node);
      members.push({ id: lab.id, name: lab.name, node, token: apiToken(node), sentinel });
    }
    const observers: PausenetNode[] = [];
    for (let j = 0; j < files.observers.length; j++) {
      const node = await startNode(
        files.observerConfig(j, { bootstrap: p2pAddrs(members.map((m) => m.node)), ...extra }),
        files.env,
      );
      started.push(node);
      observers.push(node);
    }
    return { files, members, observers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** True while a member's file hook sentinel exists (it is halted). */
export function isHalted(m: LocalMember): boolean {
  return existsSync(m.sentinel);
}
