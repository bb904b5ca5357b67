import { blsSign, recoverSignature } from '@pausenet/crypto';
import {
  breachIdOf,
  type Certificate,
  type Commitment,
  type Evidence,
  epochAt,
  epochStart,
  evidenceHash,
  hashSignedCommitment,
  type Level,
  type Metrics,
  type PauseState,
  type SignedCommitment,
  type SignedEvidence,
  type SignedVote,
  type Step,
  signCommitment,
  signEvidence,
  signVote,
  statementBytes,
  ZERO_HASH,
} from '@pausenet/protocol';
import { labOf, shareOf, type TestNet } from './genesis.js';
import type { TestLab } from './labs.js';

/** Signed protocol messages of a test network: commitments, evidence, votes and certificates. */

/** A trainingFlop over TEST_CAPS (1e26): a commitment with it is a cap-exceeded breach. */
export const OVER_CAP = 10n ** 27n;

/** Metrics well under TEST_CAPS (`i` varies the FLOP and hours so commitments differ); `over` replaces fields. */
export function metrics(i = 0, over: Partial<Metrics> = {}): Metrics {
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

export interface CommitmentOptions {
  /** Default: the epoch of `now`. */
  epoch?: number;
  seq?: number;
  prev?: Uint8Array;
  /** Default: `now` when given, else the start of the epoch. */
  issuedAt?: number;
  /** The instant the commitment is made (default Date.now()). */
  now?: number;
  /** The lab's applied state when it signs (default height 0, RUNNING). */
  height?: number;
  level?: Level;
  metrics?: Metrics;
  runsRoot?: Uint8Array;
  attestations?: Commitment['attestations'];
  /** Signs instead of the lab's key (e.g. a pre-parsed fast signer over the same signing bytes). */
  sign?: (c: Commitment) => SignedCommitment;
}

/** A commitment of `lab` signed with its key. */
export function signedCommitment(
  net: TestNet,
  lab: TestLab | string,
  opts: CommitmentOptions = {},
): SignedCommitment {
  const l = labOf(net, lab);
  const epoch = opts.epoch ?? epochAt(net.genesis.policy, opts.now ?? Date.now());
  const c: Commitment = {
    networkId: net.networkId,
    lab: l.id,
    epoch,
    seq: opts.seq ?? 0,
    prev: opts.prev ?? ZERO_HASH,
    issuedAt: opts.issuedAt ?? opts.now ?? epochStart(net.genesis.policy, epoch),
    height: opts.height ?? 0,
    level: opts.level ?? 'RUNNING',
    metrics: opts.metrics ?? metrics(opts.seq ?? 0),
    runsRoot: opts.runsRoot ?? new Uint8Array(32),
    attestations: opts.attestations ?? [],
  };
  return opts.sign ? opts.sign(c) : signCommitment(c, l.secretKey);
}

/**
 * `n` chained commitments of `lab` (seq 0..n-1, each `prev` the hash of the one before) for epochs
 * `firstEpoch`..`firstEpoch + n - 1`; `each(seq)` adds options per commitment.
 */
export function commitmentChain(
  net: TestNet,
  lab: TestLab | string,
  n: number,
  opts: { firstEpoch?: number; each?: (seq: number) => CommitmentOptions } = {},
): SignedCommitment[] {
  const out: SignedCommitment[] = [];
  for (let seq = 0; seq < n; seq++) {
    const prev = out[seq - 1];
    out.push(
      signedCommitment(net, lab, {
        epoch: (opts.firstEpoch ?? 0) + seq,
        seq,
        prev: prev ? hashSignedCommitment(prev) : ZERO_HASH,
        ...opts.each?.(seq),
      }),
    );
  }
  return out;
}

/** Evidence filed and signed by `reporter` (a lab, or any id with its own key). */
export function signedEvidence(
  net: TestNet,
  reporter: TestLab | { id: string; secretKey: Uint8Array } | string,
  evidence: Evidence,
  issuedAt = Date.now(),
): SignedEvidence {
  const r = typeof reporter === 'string' ? labOf(net, reporter) : reporter;
  return signEvidence({ networkId: net.networkId, evidence, reporter: r.id, issuedAt }, r.secretKey);
}

/**
 * Self-proving cap-exceeded evidence: `lab` commits trainingFlop OVER_CAP (+ `nonce`, so each is a new
 * commitment) just before `now`, and `reporter` (default the lab itself) files it.
 */
export function capBreach(
  net: TestNet,
  lab: TestLab | string,
  opts: { reporter?: TestLab | string; nonce?: number; now?: number; seq?: number; prev?: Uint8Array } = {},
): SignedEvidence {
  const now = opts.now ?? Date.now();
  const nonce = opts.nonce ?? 0;
  const sc = signedCommitment(net, lab, {
    now: now - 1,
    seq: opts.seq ?? 0,
    ...(opts.prev ? { prev: opts.prev } : {}),
    metrics: metrics(nonce, { trainingFlop: OVER_CAP + BigInt(nonce) }),
  });
  return signedEvidence(
    net,
    opts.reporter ?? lab,
    { kind: 'cap-exceeded', commitment: sc, cap: 'trainingFlop' },
    now,
  );
}

/** The transition a vote or certificate is about. */
export interface Transition {
  height: number;
  /** Default: from `step` (up: PAUSED, down: RUNNING), else PAUSED at odd heights and RUNNING at even ones. */
  target?: PauseState;
  /** Default: down for RUNNING, up otherwise. */
  step?: Step;
  /** A step down: the breach ids resolved (ascending). */
  resolves?: Uint8Array[];
}

const targetOf = (t: Transition): PauseState =>
  t.target ??
  (t.step === 'up' ? 'PAUSED' : t.step === 'down' ? 'RUNNING' : t.height % 2 === 1 ? 'PAUSED' : 'RUNNING');
const stepOf = (t: Transition): Step => t.step ?? (targetOf(t) === 'RUNNING' ? 'down' : 'up');

/** The statement of a transition of `net`. */
function statementOfTransition(net: TestNet, t: Transition) {
  return {
    networkId: net.networkId,
    height: t.height,
    target: targetOf(t),
    step: stepOf(t),
    resolves: t.resolves ?? [],
  };
}

/** The BLS partial of `lab`'s share over the transition's statement. */
export function partialOf(net: TestNet, lab: TestLab | string, t: Transition): Uint8Array {
  return blsSign(shareOf(net, lab), statementBytes(statementOfTransition(net, t)));
}

/**
 * A vote of `voter` for a transition, its partial from the dealt share. A pause vote cites breaches: the
 * given `evidence` (ids and hashes derived), else explicit `breaches`/`evidenceHashes`.
 */
export function signedVote(
  net: TestNet,
  voter: TestLab | string,
  t: Transition & {
    evidence?: SignedEvidence[];
    breaches?: Uint8Array[];
    evidenceHashes?: Uint8Array[];
    issuedAt?: number;
    partial?: Uint8Array;
  },
): SignedVote {
  const v = labOf(net, voter);
  const target = targetOf(t);
  const cited = t.evidence ?? [];
  return signVote(
    {
      networkId: net.networkId,
      height: t.height,
      target,
      step: stepOf(t),
      voter: v.id,
      partial: t.partial ?? partialOf(net, v, t),
      evidence: t.evidenceHashes ?? cited.map(evidenceHash),
      breaches: t.breaches ?? cited.map((e) => breachIdOf(e.evidence)),
      resolves: t.resolves ?? [],
      issuedAt: t.issuedAt ?? Date.now(),
    },
    v.secretKey,
  );
}

/** A certificate recovered from the partials of `signers` (default the first t labs). */
export function certificate(net: TestNet, t: Transition & { signers?: (TestLab | string)[] }): Certificate {
  const signers = (t.signers ?? net.labs.slice(0, net.threshold)).map((s) => labOf(net, s));
  signers.sort((a, b) => a.index - b.index);
  const partials = signers.map((s) => ({ index: s.index, signature: partialOf(net, s, t) }));
  return {
    networkId: net.networkId,
    height: t.height,
    target: targetOf(t),
    step: stepOf(t),
    signers: signers.map((s) => s.id),
    resolves: t.resolves ?? [],
    signature: recoverSignature(partials, partials.length),
  };
}
