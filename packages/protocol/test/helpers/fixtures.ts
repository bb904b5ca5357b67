import { ed25519PublicKey } from '@pausenet/crypto';
import {
  type DealtKeys,
  makeLabs,
  seededKey,
  signedEvidence,
  signedVote,
  type TestNet,
  testDealer,
  testGenesis,
} from '@pausenet/testkit';
import { breachIdOf } from '../../src/breach.js';
import { sha256, utf8, ZERO_HASH } from '../../src/bytes.js';
import { signCommitment } from '../../src/sign.js';
import { hashSignedCommitment } from '../../src/signing.js';
import type {
  Commitment,
  Evidence,
  Genesis,
  Metrics,
  PauseState,
  SignedCommitment,
  SignedEvidence,
  SignedVote,
} from '../../src/types.js';

/** Deterministic test network: 4 labs (t=3), one auditor, real Ed25519 keys and real BLS shares (seeded test dealer). */

export const LABS = ['lab-a', 'lab-b', 'lab-c', 'lab-d'] as const;
export const GENESIS_TIME = 1_767_225_600_000; // 2026-01-01T00:00:00Z
export const EPOCH_MS = 3_600_000;
export const DEADLINE_MS = 900_000;
export const GRACE_MS = 900_000;
const KEY_SEED = 'pausenet-test/ed25519';
const BLS_SEED = 'pausenet-test/bls';

export function seedKey(label: string): Uint8Array {
  return seededKey(KEY_SEED, label);
}

const labs = makeLabs(LABS.length, { seed: KEY_SEED });
export const labKeys: Record<string, Uint8Array> = Object.fromEntries(labs.map((l) => [l.id, l.secretKey]));
export const auditorKey = seedKey('auditor-x');
export const outsiderKey = seedKey('outsider');
export const bls: DealtKeys = testDealer(4, 3, { seed: BLS_SEED });

function makeNet(opts: { withDkg?: boolean } = {}): TestNet {
  return testGenesis({
    labs,
    threshold: 3,
    name: 'pausenet-test',
    addrs: labs.map((_, i) => [`/ip4/127.0.0.1/tcp/${9001 + i}`]),
    policy: {
      genesisTime: GENESIS_TIME,
      epochMs: EPOCH_MS,
      deadlineMs: DEADLINE_MS,
      graceMs: GRACE_MS,
      caps: {
        trainingFlop: 10n ** 26n,
        largestRunFlop: 5n * 10n ** 25n,
        maxParams: 2n * 10n ** 12n,
        datasetTokens: 5n * 10n ** 13n,
      },
      auditors: [{ id: 'auditor-x', name: 'Auditor X', publicKey: ed25519PublicKey(auditorKey) }],
    },
    dkg: opts.withDkg === false ? false : { seed: BLS_SEED, transcriptHash: sha256(utf8('t')) },
  });
}

export function makeGenesis(opts: { withDkg?: boolean } = {}): Genesis {
  return makeNet(opts).genesis;
}

const net = makeNet();
export const genesis = net.genesis;
export const networkId = net.networkId;

export function epochStart(e: number): number {
  return GENESIS_TIME + e * EPOCH_MS;
}

export function metrics(over: Partial<Metrics> = {}): Metrics {
  return {
    trainingFlop: 3n * 10n ** 25n,
    largestRunFlop: 10n ** 25n,
    maxParams: 4n * 10n ** 11n,
    datasetTokens: 10n ** 13n,
    acceleratorHours: 1_250_000n,
    utilizationBps: 8_150,
    ...over,
  };
}

export function commitment(over: Partial<Commitment> = {}): Commitment {
  const epoch = over.epoch ?? 0;
  return {
    networkId,
    lab: 'lab-a',
    epoch,
    seq: 0,
    prev: ZERO_HASH,
    issuedAt: epochStart(epoch + 1) + 60_000,
    metrics: metrics(),
    runsRoot: sha256(utf8('runs')),
    attestations: [],
    ...over,
  };
}

export function signed(over: Partial<Commitment> = {}): SignedCommitment {
  const c = commitment(over);
  return signCommitment(c, labKeys[c.lab] ?? outsiderKey);
}

/** A chain of n signed commitments of one lab, epochs 0..n-1. */
export function chain(lab: string, n: number): SignedCommitment[] {
  const out: SignedCommitment[] = [];
  for (let e = 0; e < n; e++) {
    const prev = out[e - 1];
    out.push(signed({ lab, epoch: e, seq: e, prev: prev ? hashSignedCommitment(prev) : ZERO_HASH }));
  }
  return out;
}

export function fileEvidence(
  evidence: Evidence,
  reporter = 'lab-b',
  issuedAt = epochStart(2),
): SignedEvidence {
  const secretKey = reporter === 'auditor-x' ? auditorKey : (labKeys[reporter] ?? outsiderKey);
  return signedEvidence(net, { id: reporter, secretKey }, evidence, issuedAt);
}

/** A fixed breach id for votes that need one (a pause vote always cites a breach). */
export const SOME_BREACH = breachIdOf({ kind: 'missed', lab: 'lab-d', epoch: 0 });

/** A vote by `voter`; a non-member signs with the outsider key and lab-a's share. */
export function vote(
  voter: string,
  height: number,
  target: PauseState = height % 2 ? 'PAUSED' : 'RUNNING',
  over: {
    evidence?: Uint8Array[];
    breaches?: Uint8Array[];
    resolves?: Uint8Array[];
    issuedAt?: number;
    partial?: Uint8Array;
  } = {},
): SignedVote {
  const lab = labs.find((l) => l.id === voter) ?? {
    id: voter,
    index: 1,
    name: voter,
    secretKey: outsiderKey,
    publicKey: ed25519PublicKey(outsiderKey),
  };
  return signedVote(net, lab, {
    height,
    target,
    resolves: over.resolves ?? [],
    breaches: over.breaches ?? (target === 'PAUSED' ? [SOME_BREACH] : []),
    evidenceHashes: over.evidence ?? [],
    issuedAt: over.issuedAt ?? epochStart(2),
    ...(over.partial ? { partial: over.partial } : {}),
  });
}
