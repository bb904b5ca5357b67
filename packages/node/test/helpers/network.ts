import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519Generate, encryptKeystore } from '@pausenet/crypto';
import { type Genesis, genesisToYaml, makePolicy, networkIdOf, toHex } from '@pausenet/protocol';
import { type NodeConfig, parseNodeConfig } from '../../src/config.js';
import { loadOrCreateNodeKey } from '../../src/host.js';
import { encodeKeystoreSecrets } from '../../src/keystore.js';

export const TEST_PASSPHRASE_ENV = 'PAUSENET_TEST_PASSPHRASE';
export const TEST_PASSPHRASE = 'correct horse battery staple';
/** Cheap scrypt for tests only (production keystores use the crypto package default). */
const TEST_SCRYPT = { n: 2 ** 10, r: 8, p: 1 };

export interface TestLab {
  id: string;
  index: number;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

import { testDealer } from '@pausenet/crypto/testing';

export { testDealer };

/** n lab identities lab-a, lab-b, ... */
export function makeLabs(n: number): TestLab[] {
  return Array.from({ length: n }, (_, i) => {
    const kp = ed25519Generate();
    return { id: `lab-${String.fromCharCode(97 + i)}`, index: i + 1, ...kp };
  });
}

export interface TestNetwork {
  dir: string;
  genesis: Genesis;
  genesisFile: string;
  labs: TestLab[];
  /** BLS shares by lab index - 1 (from testDealer). */
  shares: Uint8Array[];
  /** Data dir and peer id per member (index-aligned with labs) and per observer. */
  members: { dataDir: string; peerId: string }[];
  observers: { dataDir: string; peerId: string }[];
  env: NodeJS.ProcessEnv;
  /** Config for member i / observer j, bootstrapping to `bootstrap`. */
  memberConfig(i: number, bootstrap?: string[], extra?: Record<string, unknown>): NodeConfig;
  observerConfig(j: number, bootstrap?: string[], extra?: Record<string, unknown>): NodeConfig;
  cleanup(): void;
}

/** A genesis, keystores (encrypted, 0600) and data dirs for `labs` members and `observers` observers in a tmp dir. */
export async function makeTestNetwork(opts: {
  labs: number;
  observers?: number;
  now?: number;
  epochMs?: number;
  /** policy.receiptDeadlineMs (default: the protocol's). */
  receiptDeadlineMs?: number;
}): Promise<TestNetwork> {
  const dir = mkdtempSync(join(tmpdir(), 'pn-net-'));
  const labs = makeLabs(opts.labs);
  const t = Math.floor((2 * opts.labs) / 3) + 1;
  const dealer = testDealer(opts.labs, t);
  const now = opts.now ?? Date.now();
  const mkDir = async (name: string) => {
    const dataDir = join(dir, name);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const key = await loadOrCreateNodeKey(join(dataDir, 'node-key'));
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id');
    return { dataDir, peerId: peerIdFromPrivateKey(key).toString() };
  };
  const members: { dataDir: string; peerId: string }[] = [];
  for (const l of labs) members.push(await mkDir(l.id));
  const observers: { dataDir: string; peerId: string }[] = [];
  for (let j = 0; j < (opts.observers ?? 0); j++) observers.push(await mkDir(`observer-${j}`));
  const genesis: Genesis = {
    version: 2,
    name: 'pausenet-test',
    members: labs.map((l, i) => ({
      id: l.id,
      name: `Lab ${l.id.slice(4).toUpperCase()}`,
      index: l.index,
      publicKey: l.publicKey,
      peerIds: [(members[i] as { peerId: string }).peerId],
      addrs: [],
    })),
    threshold: t,
    policy: makePolicy({
      // Epochs of 1 s starting 10 h ago with a day of deadline: tests can commit many epochs quickly.
      genesisTime: now - 10 * 3_600_000,
      epochMs: opts.epochMs ?? 1_000,
      deadlineMs: 86_400_000,
      graceMs: 3_600_000,
      caps: {
        trainingFlop: 10n ** 26n,
        largestRunFlop: 10n ** 26n,
        maxParams: 10n ** 13n,
        datasetTokens: 10n ** 14n,
      },
      ...(opts.receiptDeadlineMs !== undefined ? { receiptDeadlineMs: opts.receiptDeadlineMs } : {}),
    }),
    dkg: {
      groupPublicKey: dealer.groupPublicKey,
      publicShares: dealer.publicShares,
      transcriptHash: new Uint8Array(32),
    },
  };
  const genesisFile = join(dir, 'genesis.yaml');
  writeFileSync(genesisFile, genesisToYaml(genesis));
  labs.forEach((l, i) => {
    const secrets = encodeKeystoreSecrets({
      lab: l.id,
      identitySecretKey: l.secretKey,
      blsShare: dealer.shares[i] as Uint8Array,
      index: l.index,
    });
    const ks = encryptKeystore(secrets, TEST_PASSPHRASE, { scrypt: TEST_SCRYPT });
    writeFileSync(join((members[i] as { dataDir: string }).dataDir, 'keystore.json'), JSON.stringify(ks), {
      mode: 0o600,
    });
  });
  const env = { ...process.env, [TEST_PASSPHRASE_ENV]: TEST_PASSPHRASE };
  const base = (dataDir: string, bootstrap: string[], extra: Record<string, unknown>) => ({
    dataDir,
    genesisFile,
    bootstrap,
    logLevel: 'silent',
    sync: { intervalMs: 1_000, timeoutMs: 5_000, maxBatch: 64 },
    ...extra,
  });
  return {
    dir,
    genesis,
    genesisFile,
    labs,
    shares: dealer.shares,
    members,
    observers,
    env,
    memberConfig: (i, bootstrap = [], extra = {}) =>
      parseNodeConfig({
        role: 'member',
        keystore: {
          file: join((members[i] as { dataDir: string }).dataDir, 'keystore.json'),
          passphraseEnv: TEST_PASSPHRASE_ENV,
        },
        ...base((members[i] as { dataDir: string }).dataDir, bootstrap, extra),
      }),
    observerConfig: (j, bootstrap = [], extra = {}) =>
      parseNodeConfig({
        role: 'observer',
        ...base((observers[j] as { dataDir: string }).dataDir, bootstrap, extra),
      }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Network id hex of a genesis. */
export function networkIdHex(g: Genesis): string {
  return toHex(networkIdOf(g));
}

/** Poll `cond` every 50 ms until true or `timeoutMs` (then throw naming `what`). */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
}

/** Minimal commitment body for POST /v1/commitments. */
export function metricsBody(i: number, epoch?: number): Record<string, unknown> {
  return {
    metrics: {
      trainingFlop: String(10n ** 24n + BigInt(i)),
      largestRunFlop: String(10n ** 23n),
      maxParams: '70000000000',
      datasetTokens: '15000000000000',
      acceleratorHours: String(1000 + i),
      utilizationBps: 5000,
    },
    ...(epoch !== undefined ? { epoch } : {}),
  };
}
