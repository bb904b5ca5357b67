import { createHash } from 'node:crypto';
import { blsSign, type DkgBundle, dkgInit, ed25519PublicKey, recoverSignature } from '@pausenet/crypto';
import {
  breachIdOf,
  type Certificate,
  evidenceHash,
  type Genesis,
  networkIdOf,
  type SignedCommitment,
  type SignedEvidence,
  type SignedVote,
  signCommitment,
  signEvidence,
  signVote,
  statementBytes,
  ZERO_HASH,
} from '@pausenet/protocol';
import { testDealer } from '../harness/dealer.js';

/** A fixed 4-lab network (t = 3) with real keys (testDealer BLS shares) and one valid message of each kind. */
const seed = (label: string) =>
  new Uint8Array(createHash('sha256').update(`pausenet-fuzz/${label}`).digest());
export const LABS = ['lab-a', 'lab-b', 'lab-c', 'lab-d'];
export const labKeys = LABS.map(seed);
export const dealt = testDealer(4, 3);
export const GENESIS_TIME = 1_767_225_600_000;
export const EPOCH_MS = 3_600_000;

export const genesis: Genesis = {
  version: 2,
  name: 'pausenet-fuzz',
  members: LABS.map((id, i) => ({
    id,
    name: `Lab ${i}`,
    index: i + 1,
    publicKey: ed25519PublicKey(labKeys[i]!),
    peerIds: [],
    addrs: [`/ip4/127.0.0.1/tcp/${9001 + i}`],
  })),
  threshold: 3,
  policy: {
    genesisTime: GENESIS_TIME,
    epochMs: EPOCH_MS,
    deadlineMs: 900_000,
    graceMs: 900_000,
    caps: {
      trainingFlop: 10n ** 26n,
      largestRunFlop: 10n ** 25n,
      maxParams: 2n * 10n ** 12n,
      datasetTokens: 10n ** 14n,
    },
    autoVote: ['cap-exceeded', 'equivocation'],
    approvalRequired: ['missed', 'report'],
    resumeNeedsApproval: true,
    auditors: [],
    judgedQuotaPerEpoch: 8,
    judgedMaxAgeEpochs: 30,
  },
  dkg: dealt.dkg,
};
export const networkId = networkIdOf(genesis);
/** A time at which the sample messages are fresh. */
export const NOW = GENESIS_TIME + EPOCH_MS + 60_000;

const metrics = (flop: bigint) => ({
  trainingFlop: flop,
  largestRunFlop: flop / 2n,
  maxParams: 4n * 10n ** 11n,
  datasetTokens: 10n ** 13n,
  acceleratorHours: 1_250_000n,
  utilizationBps: 8_150,
});

export const commitment: SignedCommitment = signCommitment(
  {
    networkId,
    lab: 'lab-a',
    epoch: 0,
    seq: 0,
    prev: ZERO_HASH,
    issuedAt: NOW - 1000,
    height: 0,
    level: 'RUNNING',
    metrics: metrics(3n * 10n ** 24n),
    runsRoot: seed('runs'),
    attestations: [],
  },
  labKeys[0]!,
);
const breach = signCommitment(
  { ...commitment.commitment, lab: 'lab-b', metrics: metrics(6n * 10n ** 25n) },
  labKeys[1]!,
);
export const evidence: SignedEvidence = signEvidence(
  {
    networkId,
    evidence: { kind: 'cap-exceeded', commitment: breach, cap: 'largestRunFlop' },
    reporter: 'lab-c',
    issuedAt: NOW - 500,
  },
  labKeys[2]!,
);
const statement = statementBytes({ networkId, height: 1, target: 'PAUSED', step: 'up', resolves: [] });
export const vote: SignedVote = signVote(
  {
    networkId,
    height: 1,
    target: 'PAUSED',
    step: 'up',
    voter: 'lab-a',
    partial: blsSign(dealt.shares[0]!, statement),
    evidence: [evidenceHash(evidence)],
    breaches: [breachIdOf(evidence.evidence)],
    resolves: [],
    issuedAt: NOW - 100,
  },
  labKeys[0]!,
);
export const certificate: Certificate = {
  networkId,
  height: 1,
  target: 'PAUSED',
  step: 'up',
  signers: ['lab-a', 'lab-b', 'lab-c'],
  resolves: [],
  signature: recoverSignature(
    [0, 1, 2].map((i) => ({ index: i + 1, signature: blsSign(dealt.shares[i]!, statement) })),
    3,
  ),
};

/** The first DKG deal bundle of member 1 in a fresh ceremony, and the dealer's Ed25519 public key. */
export function dkgDeal(): { bundle: DkgBundle; publicKey: Uint8Array } {
  const members = LABS.map((_, i) => ({ index: i + 1, publicKey: ed25519PublicKey(labKeys[i]!) }));
  const { out } = dkgInit({
    sessionId: seed('session'),
    members,
    threshold: 3,
    self: { index: 1, secretKey: labKeys[0]! },
    now: NOW,
    timeouts: { deal: 10_000, response: 10_000, justification: 10_000 },
  });
  return { bundle: out[0]!, publicKey: members[0]!.publicKey };
}
