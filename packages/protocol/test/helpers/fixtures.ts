import { ed25519PublicKey } from '@pausenet/crypto';
import { seededKey } from '@pausenet/testkit';
import { breachIdOf } from '../../src/breach.js';
import { sha256, utf8, ZERO_HASH } from '../../src/bytes.js';
import { signCommitment, signEvidence, signVote } from '../../src/sign.js';
import { hashSignedCommitment, networkIdOf, statementBytes } from '../../src/signing.js';
import type {
  Commitment,
  Evidence,
  Genesis,
  Metrics,
  PauseState,
  Pledge,
  Policy,
  SignedCommitment,
  SignedEvidence,
  SignedVote,
  Step,
} from '../../src/types.js';
import { blsSign, dealShares, type ThresholdSetup } from './bls.js';

/** Deterministic test network: 4 labs (t=3), one auditor, real Ed25519 keys and real BLS shares. */

export const LABS = ['lab-a', 'lab-b', 'lab-c', 'lab-d'] as const;
export const GENESIS_TIME = 1_767_225_600_000; // 2026-01-01T00:00:00Z
export const EPOCH_MS = 3_600_000;
export const DEADLINE_MS = 900_000;
export const GRACE_MS = 900_000;

export function seedKey(label: string): Uint8Array {
  return seededKey('pausenet-test/ed25519', label);
}

export const labKeys: Record<string, Uint8Array> = Object.fromEntries(LABS.map((l) => [l, seedKey(l)]));
export const auditorKey = seedKey('auditor-x');
export const outsiderKey = seedKey('outsider');
export const bls: ThresholdSetup = dealShares(4, 3);

export function makeGenesis(
  opts: { withDkg?: boolean; policy?: Partial<Policy>; pledges?: Record<string, Pledge> } = {},
): Genesis {
  const g: Genesis = {
    version: 2,
    name: 'pausenet-test',
    members: LABS.map((id, i) => ({
      id,
      name: `Lab ${id.slice(4).toUpperCase()}`,
      index: i + 1,
      publicKey: ed25519PublicKey(labKeys[id] as Uint8Array),
      peerIds: [],
      addrs: [`/ip4/127.0.0.1/tcp/${9001 + i}`],
      ...(opts.pledges?.[id] ? { pledge: opts.pledges[id] } : {}),
    })),
    threshold: 3,
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
      autoVote: ['cap-exceeded', 'equivocation'],
      approvalRequired: ['missed', 'report'],
      resumeNeedsApproval: true,
      auditors: [{ id: 'auditor-x', name: 'Auditor X', publicKey: ed25519PublicKey(auditorKey) }],
      judgedQuotaPerEpoch: 8,
      judgedMaxAgeEpochs: 30,
      ...opts.policy,
    },
  };
  if (opts.withDkg !== false)
    g.dkg = {
      groupPublicKey: bls.groupPublicKey,
      publicShares: bls.publicShares,
      transcriptHash: sha256(utf8('t')),
    };
  return g;
}

export const genesis = makeGenesis();
export const networkId = networkIdOf(genesis);

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
    height: 0,
    level: 'RUNNING',
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
  const key = reporter === 'auditor-x' ? auditorKey : (labKeys[reporter] ?? outsiderKey);
  return signEvidence({ networkId, evidence, reporter, issuedAt }, key);
}

/** A fixed breach id for votes that need one (a pause vote always cites a breach). */
export const SOME_BREACH = breachIdOf({ kind: 'missed', lab: 'lab-d', epoch: 0 });

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
    /** Default: down for RUNNING, up otherwise. */
    step?: Step;
  } = {},
): SignedVote {
  const index = LABS.indexOf(voter as (typeof LABS)[number]);
  const share = bls.secretShares[Math.max(index, 0)] as Uint8Array;
  const resolves = over.resolves ?? [];
  const step: Step = over.step ?? (target === 'RUNNING' ? 'down' : 'up');
  const breaches = over.breaches ?? (step === 'up' ? [SOME_BREACH] : []);
  return signVote(
    {
      networkId,
      height,
      target,
      step,
      voter,
      partial: over.partial ?? blsSign(share, statementBytes({ networkId, height, target, step, resolves })),
      evidence: over.evidence ?? [],
      breaches,
      resolves,
      issuedAt: over.issuedAt ?? epochStart(2),
    },
    labKeys[voter] ?? outsiderKey,
  );
}
