/**
 * A real local pausenet for dashboard tests: member and observer PausenetNodes (libp2p over TCP on
 * 127.0.0.1, SQLite stores, file halt hooks) in one tmp dir, built on @pausenet/node's public API.
 * Mirrors packages/node/test/helpers/network.ts (which this package's tsc project cannot include), with
 * readable lab names and 1-minute epochs so the page's 12-epoch chart holds still during a test.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { ed25519Generate, encryptKeystore } from '@pausenet/crypto';
import { encodeKeystoreSecrets, loadOrCreateNodeKey, PausenetNode, parseNodeConfig } from '@pausenet/node';
import { type Genesis, genesisToYaml } from '@pausenet/protocol';
import { dealShares } from './threshold.js';

const LAB_NAMES = ['Aleph Research', 'Borealis AI', 'Cirrus Labs', 'Delta Compute', 'Epsilon Systems'];
const PASSPHRASE_ENV = 'PAUSENET_TEST_PASSPHRASE';
const PASSPHRASE = 'correct horse battery staple';
/** Cheap scrypt for tests only (production keystores use the crypto package default). */
const TEST_SCRYPT = { n: 2 ** 10, r: 8, p: 1 };
export const EPOCH_MS = 60_000;

export interface NetMember {
  id: string;
  name: string;
  node: PausenetNode;
  /** The member's file hook sentinel: present while it is halted. */
  sentinel: string;
  token: string;
}

export interface LocalNetwork {
  dir: string;
  genesis: Genesis;
  members: NetMember[];
  observers: PausenetNode[];
  /** Stop every node (bounded by the node's own per-step limits) and delete the tmp dir. */
  stop(): Promise<void>;
}

function p2pAddrs(nodes: PausenetNode[]): string[] {
  return nodes.flatMap((n) => n.multiaddrs.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${n.peerId}`)));
}

/**
 * Start `labs` members (t = floor(2n/3)+1, test-dealer BLS shares, each with a `file` halt hook) and
 * `observers` observers bootstrapping to them. On failure everything already started is stopped.
 */
export async function startLocalNetwork(opts: { labs: number; observers: number }): Promise<LocalNetwork> {
  // tmpfs when available (like the node's agreement tests): five stores fsync every commit on a disk the
  // whole suite shares; this test is about the page, the store's durability is tested in packages/node.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'pn-dash-net-'));
  const started: PausenetNode[] = [];
  const stop = async () => {
    await Promise.all(started.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const t = Math.floor((2 * opts.labs) / 3) + 1;
    const dealt = dealShares(opts.labs, t);
    const now = Date.now();
    const dataDir = async (name: string) => {
      const d = join(dir, name);
      mkdirSync(d, { recursive: true, mode: 0o700 });
      return {
        dataDir: d,
        peerId: peerIdFromPrivateKey(await loadOrCreateNodeKey(join(d, 'node-key'))).toString(),
      };
    };
    const labs = [];
    for (let i = 0; i < opts.labs; i++) {
      const id = `lab-${String.fromCharCode(97 + i)}`;
      labs.push({ id, index: i + 1, name: LAB_NAMES[i] ?? id, ...ed25519Generate(), ...(await dataDir(id)) });
    }
    const genesis: Genesis = {
      version: 2,
      name: 'pausenet-dashboard-e2e',
      members: labs.map((l) => ({
        id: l.id,
        name: l.name,
        index: l.index,
        publicKey: l.publicKey,
        peerIds: [l.peerId],
        addrs: [],
      })),
      threshold: t,
      policy: {
        genesisTime: now - 10 * 3_600_000,
        epochMs: EPOCH_MS,
        // deadlines pass within the page's 12-epoch window (genesisTime is 600 epochs back), so the page
        // must tell epochs before the network ran from missed ones
        deadlineMs: 30_000,
        graceMs: 3_600_000,
        caps: {
          trainingFlop: 10n ** 26n,
          largestRunFlop: 3n * 10n ** 25n,
          maxParams: 2n * 10n ** 12n,
          datasetTokens: 4n * 10n ** 13n,
        },
        autoVote: ['cap-exceeded', 'equivocation'],
        approvalRequired: ['missed', 'report'],
        resumeNeedsApproval: true,
        auditors: [],
        judgedQuotaPerEpoch: 8,
        judgedMaxAgeEpochs: 30,
      },
      dkg: {
        groupPublicKey: dealt.groupPublicKey,
        publicShares: dealt.publicShares,
        transcriptHash: new Uint8Array(32),
      },
    };
    const genesisFile = join(dir, 'genesis.yaml');
    writeFileSync(genesisFile, genesisToYaml(genesis));
    const env = { ...process.env, [PASSPHRASE_ENV]: PASSPHRASE };
    const base = (d: string, bootstrap: string[]) => ({
      dataDir: d,
      genesisFile,
      bootstrap,
      logLevel: 'silent',
      sync: { intervalMs: 1_000, timeoutMs: 5_000, maxBatch: 64 },
    });

    const members: NetMember[] = [];
    for (const l of labs) {
      const keystore = join(l.dataDir, 'keystore.json');
      const secrets = encodeKeystoreSecrets({
        lab: l.id,
        index: l.index,
        identitySecretKey: l.secretKey,
        blsShare: dealt.shares[l.index - 1] as Uint8Array,
      });
      writeFileSync(keystore, JSON.stringify(encryptKeystore(secrets, PASSPHRASE, { scrypt: TEST_SCRYPT })), {
        mode: 0o600,
      });
      const sentinel = join(dir, `${l.id}.PAUSED`);
      const config = parseNodeConfig({
        role: 'member',
        keystore: { file: keystore, passphraseEnv: PASSPHRASE_ENV },
        hooks: [{ type: 'file', name: 'sentinel', path: sentinel }],
        ...base(l.dataDir, p2pAddrs(members.map((m) => m.node))),
      });
      const node = await PausenetNode.create(config, { env });
      started.push(node);
      await node.start();
      const token = readFileSync(join(l.dataDir, 'api-token'), 'utf8').trim();
      members.push({ id: l.id, name: l.name, node, sentinel, token });
    }
    const observers: PausenetNode[] = [];
    for (let j = 0; j < opts.observers; j++) {
      const { dataDir: d } = await dataDir(`observer-${j}`);
      const node = await PausenetNode.create(
        parseNodeConfig({ role: 'observer', ...base(d, p2pAddrs(members.map((m) => m.node))) }),
        { env },
      );
      started.push(node);
      await node.start();
      observers.push(node);
    }
    return { dir, genesis, members, observers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** True while `m`'s halt hook sentinel file exists. */
export function isHalted(m: NetMember): boolean {
  return existsSync(m.sentinel);
}

/** POST JSON to a member's API with its bearer token; throws with the body on a non-2xx answer. */
export async function postAs(m: NetMember, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(new URL(path, m.node.apiUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${m.token}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`${m.id} POST ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** GET JSON from a node's API. */
export async function getJson<T = unknown>(node: PausenetNode, path: string): Promise<T> {
  const res = await fetch(new URL(path, node.apiUrl));
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Poll `cond` every 100 ms until true or `timeoutMs` (then throw naming `what`). */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
}
