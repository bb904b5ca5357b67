import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { freePorts } from '@pausenet/cli';
import { loadOrCreateNodeKey } from '@pausenet/node';
import { genesisToYaml } from '@pausenet/protocol';
import { stringify } from 'yaml';
import { type TestGenesisOptions, type TestNet, testGenesis } from './genesis.js';
import { TEST_PASSPHRASE, TEST_PASSPHRASE_ENV, testKeystoreJson } from './keystore.js';
import { makeLabs } from './labs.js';

/**
 * @packageDocumentation A test network on disk (`@pausenet/testkit/files`): a tmp dir with genesis.yaml
 * (test-dealer keys), one data dir per node with its libp2p key, member keystores (0600), and the raw
 * config of each node, written by the same product modules `pausenet init` and the node use.
 */

export type RawConfig = Record<string, unknown>;

/** One node's files. */
export interface NodeDir {
  /** Lab id, or observer-<j> (1-based). */
  id: string;
  role: 'member' | 'observer';
  /** Genesis index of a member; 0 for an observer. */
  index: number;
  dataDir: string;
  peerId: string;
  /** Members only. */
  keystoreFile?: string;
  /** With `ports`: the node's loopback listen port and its full multiaddr (…/p2p/<peerId>). */
  port?: number;
  addr?: string;
}

export interface TestNetworkFiles extends TestNet {
  dir: string;
  genesisFile: string;
  members: NodeDir[];
  observers: NodeDir[];
  /** Environment with the keystore passphrase (TEST_PASSPHRASE_ENV) for members. */
  env: Record<string, string>;
  /** Raw config (as a config file holds it) of member i / observer j; `extra` fields are merged in last. */
  memberConfig(i: number, extra?: RawConfig): RawConfig;
  observerConfig(j: number, extra?: RawConfig): RawConfig;
  /** Delete the tmp dir. */
  cleanup(): void;
}

export interface TestNetworkFilesOptions extends Omit<TestGenesisOptions, 'peerIds' | 'addrs' | 'labs'> {
  labs: number;
  observers?: number;
  /** Lab display names, in order. */
  names?: readonly string[];
  /** Parent of the tmp dir; 'tmpfs' = /dev/shm when present (many stores fsyncing on a shared disk). */
  root?: string;
  /** Prefix of the tmp dir name. */
  prefix?: string;
  /** Fixed free loopback ports: nodes listen on them and genesis lists each member's address. */
  ports?: boolean;
}

/** Sync settings for tests: a 1 s interval so a node that missed gossip catches up quickly. */
export const FAST_SYNC = { intervalMs: 1_000, timeoutMs: 5_000, maxBatch: 64 } as const;

function tmpRoot(root: string | undefined): string {
  if (root === 'tmpfs') return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return root ?? tmpdir();
}

async function nodeDir(dir: string, id: string): Promise<{ dataDir: string; peerId: string }> {
  const dataDir = join(dir, id);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = await loadOrCreateNodeKey(join(dataDir, 'node-key'));
  return { dataDir, peerId: peerIdFromPrivateKey(key).toString() };
}

/** Write a test network: labs (t = floor(2n/3)+1 unless given) and observers, keys dealt by the test dealer. */
export async function writeTestNetwork(opts: TestNetworkFilesOptions): Promise<TestNetworkFiles> {
  const dir = mkdtempSync(join(tmpRoot(opts.root), opts.prefix ?? 'pn-net-'));
  try {
    const labs = makeLabs(opts.labs, opts.names ? { names: opts.names } : {});
    const nObservers = opts.observers ?? 0;
    const ports = opts.ports ? await freePorts(opts.labs + nObservers) : [];
    const withAddr = (d: { dataDir: string; peerId: string }, k: number) =>
      opts.ports
        ? { ...d, port: ports[k] as number, addr: `/ip4/127.0.0.1/tcp/${ports[k]}/p2p/${d.peerId}` }
        : d;
    const members: NodeDir[] = [];
    for (const l of labs) {
      const d = await nodeDir(dir, l.id);
      members.push({
        id: l.id,
        role: 'member',
        index: l.index,
        keystoreFile: join(d.dataDir, 'keystore.json'),
        ...withAddr(d, l.index - 1),
      });
    }
    const observers: NodeDir[] = [];
    for (let j = 0; j < nObservers; j++) {
      const id = `observer-${j + 1}`;
      observers.push({ id, role: 'observer', index: 0, ...withAddr(await nodeDir(dir, id), opts.labs + j) });
    }
    const { observers: _o, names: _n, root: _r, prefix: _p, ports: _ports, ...genesisOpts } = opts;
    const net = testGenesis({
      ...genesisOpts,
      labs,
      peerIds: members.map((m) => [m.peerId]),
      ...(opts.ports ? { addrs: members.map((m) => [m.addr as string]) } : {}),
    });
    const genesisFile = join(dir, 'genesis.yaml');
    writeFileSync(genesisFile, genesisToYaml(net.genesis));
    for (const [i, m] of members.entries())
      writeFileSync(m.keystoreFile as string, testKeystoreJson(net, labs[i]!), { mode: 0o600 });
    const base = (n: NodeDir, extra: RawConfig): RawConfig => ({
      role: n.role,
      dataDir: n.dataDir,
      genesisFile,
      logLevel: 'silent',
      ...(n.port !== undefined ? { listen: [`/ip4/127.0.0.1/tcp/${n.port}`] } : {}),
      ...(n.keystoreFile ? { keystore: { file: n.keystoreFile, passphraseEnv: TEST_PASSPHRASE_ENV } } : {}),
      ...extra,
    });
    const nodeAt = (list: NodeDir[], k: number, what: string) => {
      const n = list[k];
      if (!n) throw new RangeError(`no ${what} ${k} in this test network`);
      return n;
    };
    return {
      ...net,
      dir,
      genesisFile,
      members,
      observers,
      env: { [TEST_PASSPHRASE_ENV]: TEST_PASSPHRASE },
      memberConfig: (i, extra = {}) => base(nodeAt(members, i, 'member'), extra),
      observerConfig: (j, extra = {}) => base(nodeAt(observers, j, 'observer'), extra),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Write a raw node config as a YAML config file (what `pausenet start --config` reads). */
export function writeConfigFile(file: string, config: RawConfig): void {
  writeFileSync(file, stringify(config, { lineWidth: 0 }));
}
