import { type DkgBundle, dkgInit } from '@pausenet/crypto';
import type { Certificate, SignedCommitment, SignedEvidence, SignedVote } from '@pausenet/protocol';
import {
  certificate as certify,
  makeLabs,
  seededKey,
  signedCommitment,
  signedEvidence,
  signedVote,
  testGenesis,
} from '@pausenet/testkit';

/** A fixed 4-lab network (t = 3) with real keys (test-dealer BLS shares) and one valid message of each kind. */
const SEED = 'pausenet-fuzz';
const seed = (label: string) => seededKey(SEED, label);
const labs = makeLabs(4, { seed: SEED });
export const LABS = labs.map((l) => l.id);
export const labKeys = labs.map((l) => l.secretKey);
export const GENESIS_TIME = 1_767_225_600_000;
export const EPOCH_MS = 3_600_000;

const net = testGenesis({
  labs,
  threshold: 3,
  name: 'pausenet-fuzz',
  addrs: labs.map((_, i) => [`/ip4/127.0.0.1/tcp/${9001 + i}`]),
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
  },
});
export const genesis = net.genesis;
export const networkId = net.networkId;
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

const first = { epoch: 0, seq: 0, issuedAt: NOW - 1000, runsRoot: seed('runs') };
export const commitment: SignedCommitment = signedCommitment(net, 'lab-a', {
  ...first,
  metrics: metrics(3n * 10n ** 24n),
});
const breach = signedCommitment(net, 'lab-b', { ...first, metrics: metrics(6n * 10n ** 25n) });
export const evidence: SignedEvidence = signedEvidence(
  net,
  'lab-c',
  { kind: 'cap-exceeded', commitment: breach, cap: 'largestRunFlop' },
  NOW - 500,
);
export const vote: SignedVote = signedVote(net, 'lab-a', {
  height: 1,
  target: 'PAUSED',
  evidence: [evidence],
  issuedAt: NOW - 100,
});
export const certificate: Certificate = certify(net, {
  height: 1,
  target: 'PAUSED',
  step: 'up',
  signers: ['lab-a', 'lab-b', 'lab-c'],
});

/** The first DKG deal bundle of member 1 in a fresh ceremony, and the dealer's Ed25519 public key. */
export function dkgDeal(): { bundle: DkgBundle; publicKey: Uint8Array } {
  const members = labs.map((l) => ({ index: l.index, publicKey: l.publicKey }));
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
