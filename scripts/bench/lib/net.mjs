// Bench-only helpers: a throwaway pausenet network (genesis with test-dealer BLS shares, keystores, data
// dirs), signed messages, statistics and machine facts. Imports the built packages (run `npx tsc -b`).
import '../../../packages/node/dist/polyfill.js';
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { ed25519Generate, encryptKeystore } from '../../../packages/crypto/dist/index.js';
import { testDealer } from '../../../packages/crypto/dist/testing.js';
import { loadOrCreateNodeKey, parseNodeConfig, Store } from '../../../packages/node/dist/index.js';
import {
  encodeCommitment,
  encodeSignedCommitment,
  epochAt,
  epochStart,
  genesisToYaml,
  makePolicy,
  networkIdOf,
  signCommitment,
  signEvidence,
  signingBytes,
  toHex,
  ZERO_HASH,
} from '../../../packages/protocol/dist/index.js';

export const PASSPHRASE_ENV = 'PAUSENET_BENCH_PASSPHRASE';
const PASSPHRASE = 'bench only';
/** Cheap scrypt: keystore decryption is not what these benchmarks measure. */
const BENCH_SCRYPT = { n: 2 ** 10, r: 8, p: 1 };

/** `count` distinct free TCP ports on 127.0.0.1 (held open together, then released). */
async function freePorts(count) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Default t = floor(2n/3) + 1. */
export const thresholdFor = (n) => Math.floor((2 * n) / 3) + 1;

/** Over-cap value for trainingFlop (cap is 1e26). */
export const OVER_CAP = 10n ** 27n;

export function metrics(i = 0, over = {}) {
  return {
    trainingFlop: 10n ** 24n + BigInt(i),
    largestRunFlop: 10n ** 23n,
    maxParams: 7n * 10n ** 10n,
    datasetTokens: 15n * 10n ** 12n,
    acceleratorHours: 1000n + BigInt(i),
    utilizationBps: 5000,
    ...over,
  };
}

/**
 * A genesis with `labs` members (t = floor(2n/3)+1), 1 s epochs starting `historyEpochs` seconds ago
 * with a day of deadline, member keystores (mode 0600) and data dirs with pre-made libp2p keys.
 */
export async function makeBenchNetwork({
  labs,
  observers = 0,
  historyEpochs = 36_000,
  root,
  fixedPorts = false,
} = {}) {
  const dir = mkdtempSync(join(root ?? os.tmpdir(), 'pn-bench-'));
  const t = thresholdFor(labs);
  // Trusted dealer (bench only): real networks get their key from the DKG, whose wall time
  // scripts/bench/crypto.mjs measures; latency after key setup is identical.
  const d = testDealer(labs, t);
  const now = Date.now();
  const ids = Array.from({ length: labs }, (_, i) => ({
    id: `lab-${String(i + 1).padStart(2, '0')}`,
    index: i + 1,
    ...ed25519Generate(),
  }));
  const mkDir = async (name) => {
    const dataDir = join(dir, name);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const key = await loadOrCreateNodeKey(join(dataDir, 'node-key'));
    return { dataDir, peerId: peerIdFromPrivateKey(key).toString() };
  };
  const members = [];
  for (const l of ids) members.push(await mkDir(l.id));
  // Fixed loopback ports listed in genesis: every node dials every member at start (full mesh, no bootstrap order).
  const ports = fixedPorts ? await freePorts(labs) : [];
  const addrOf = (i) => `/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${members[i].peerId}`;
  const obs = [];
  for (let j = 0; j < observers; j++) obs.push(await mkDir(`observer-${j}`));
  const genesis = {
    version: 2,
    name: `pausenet-bench-${labs}`,
    members: ids.map((l, i) => ({
      id: l.id,
      name: `Lab ${l.index}`,
      index: l.index,
      publicKey: l.publicKey,
      peerIds: [members[i].peerId],
      addrs: fixedPorts ? [addrOf(i)] : [],
    })),
    threshold: t,
    policy: makePolicy({
      genesisTime: now - historyEpochs * 1000,
      epochMs: 1000,
      deadlineMs: 86_400_000,
      graceMs: 3_600_000,
      caps: {
        trainingFlop: 10n ** 26n,
        largestRunFlop: 10n ** 26n,
        maxParams: 10n ** 13n,
        datasetTokens: 10n ** 14n,
      },
    }),
    dkg: {
      groupPublicKey: d.groupPublicKey,
      publicShares: d.publicShares,
      transcriptHash: new Uint8Array(32),
    },
  };
  const genesisFile = join(dir, 'genesis.yaml');
  writeFileSync(genesisFile, genesisToYaml(genesis));
  ids.forEach((l, i) => {
    const secrets = new TextEncoder().encode(
      JSON.stringify({
        version: 1,
        lab: l.id,
        index: l.index,
        identitySecretKey: toHex(l.secretKey),
        blsShare: toHex(d.shares[i]),
      }),
    );
    const ks = encryptKeystore(secrets, PASSPHRASE, { scrypt: BENCH_SCRYPT });
    writeFileSync(join(members[i].dataDir, 'keystore.json'), JSON.stringify(ks), { mode: 0o600 });
  });
  const base = (dataDir, extra) => ({
    dataDir,
    genesisFile,
    logLevel: 'silent',
    ...extra,
  });
  return {
    dir,
    genesis,
    genesisFile,
    networkId: networkIdOf(genesis),
    threshold: t,
    /** BLS shares by index-1 (bench dealer). */
    shares: d.shares,
    labs: ids,
    members,
    observers: obs,
    env: { [PASSPHRASE_ENV]: PASSPHRASE },
    /** Raw (JSON-able) config input for member i. */
    memberConfig: (i, extra = {}) => ({
      role: 'member',
      keystore: { file: join(members[i].dataDir, 'keystore.json'), passphraseEnv: PASSPHRASE_ENV },
      ...(fixedPorts ? { listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`] } : {}),
      ...base(members[i].dataDir, extra),
    }),
    memberAddrs: fixedPorts ? members.map((_, i) => addrOf(i)) : [],
    observerConfig: (j, extra = {}) => ({ role: 'observer', ...base(obs[j].dataDir, extra) }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Validate a raw config object the way the node does. */
export const nodeConfig = (raw) => parseNodeConfig(raw);

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Ed25519 signer over a key parsed once (the crypto package parses the seed on every call) for bulk
 * pre-signing (catch-up bench). Same deterministic signatures as ed25519Sign (RFC 8032).
 */
export function fastSigner(seed) {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  return (msg) => new Uint8Array(nodeSign(null, msg, key));
}

/**
 * A signed commitment by `lab` (seq/prev/epoch given; issuedAt = start of the epoch unless set); `sign`
 * (from fastSigner) replaces protocol's signCommitment, signing the same bytes.
 */
export function signedCommitment(net, lab, { seq = 0, prev = ZERO_HASH, epoch, issuedAt, m, sign } = {}) {
  const e = epoch ?? epochAt(net.genesis.policy, Date.now());
  const c = {
    networkId: net.networkId,
    lab: lab.id,
    epoch: e,
    seq,
    prev,
    issuedAt: issuedAt ?? epochStart(net.genesis.policy, e),
    height: 0,
    level: 'RUNNING',
    metrics: m ?? metrics(seq),
    runsRoot: new Uint8Array(32),
    attestations: [],
  };
  if (sign)
    return { commitment: c, signature: sign(signingBytes('commitment', net.networkId, encodeCommitment(c))) };
  return signCommitment(
    {
      networkId: net.networkId,
      lab: lab.id,
      epoch: e,
      seq,
      prev,
      issuedAt: issuedAt ?? epochStart(net.genesis.policy, e),
      height: 0,
      level: 'RUNNING',
      metrics: m ?? metrics(seq),
      runsRoot: new Uint8Array(32),
      attestations: [],
    },
    lab.secretKey,
  );
}

/** Self-proving breach evidence (cap-exceeded) filed by `reporter`, unique per `nonce`. */
export function breachEvidence(net, reporter, nonce) {
  const now = Date.now();
  const sc = signedCommitment(net, reporter, {
    issuedAt: now - 1,
    epoch: epochAt(net.genesis.policy, now - 1),
    m: metrics(nonce, { trainingFlop: OVER_CAP + BigInt(nonce) }),
  });
  return signEvidence(
    {
      networkId: net.networkId,
      evidence: { kind: 'cap-exceeded', commitment: sc, cap: 'trainingFlop' },
      reporter: reporter.id,
      issuedAt: now,
    },
    reporter.secretKey,
  );
}

/** Size in bytes of one encoded signed commitment of this network. */
export const commitmentSize = (net) => encodeSignedCommitment(signedCommitment(net, net.labs[0])).length;

/** Percentile (nearest rank) of numbers. */
export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const round1 = (x) => Math.round(x * 10) / 10;
export const round3 = (x) => Math.round(x * 1000) / 1000;

/** Wall clock in ms with sub-ms resolution, comparable across processes on this machine. */
export const wallMs = () => performance.timeOrigin + performance.now();

/** One progress line on stderr (stdout carries the JSON). */
export const progress = (msg) => process.stderr.write(`  ${msg}\n`);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll `cond` every `everyMs` until true, or throw naming `what` after `timeoutMs`. */
export async function waitFor(cond, what, timeoutMs = 30_000, everyMs = 20) {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The machine, as the issue asks it to be named. */
export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/**
 * Median ms of one durable write as the node does it (Store.insertCommitment: one IMMEDIATE transaction,
 * WAL, synchronous=FULL) in a fresh store under `root`.
 */
export function durableWriteMs(root = os.tmpdir(), writes = 40) {
  const dir = mkdtempSync(join(root, 'pn-fsync-'));
  const store = Store.open(dir);
  try {
    const samples = [];
    for (let i = 0; i < writes; i++) {
      const s = performance.now();
      store.commitments.insert({
        lab: 'bench',
        seq: i,
        epoch: i,
        hash: crypto.getRandomValues(new Uint8Array(32)),
        bytes: new Uint8Array(400),
        receivedAt: 0,
      });
      samples.push(performance.now() - s);
    }
    return percentile(samples, 50);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
