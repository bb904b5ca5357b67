import { breachIdOf } from '../../src/breach.js';
import { ZERO_HASH } from '../../src/bytes.js';
import { checkCaps } from '../../src/evidence.js';
import { signCommitment, signEvidence, signReceipt, signVote } from '../../src/sign.js';
import { hashSignedCommitment, networkIdOf, statementBytes } from '../../src/signing.js';
import type {
  CapName,
  Certificate,
  Commitment,
  Evidence,
  Genesis,
  Level,
  Metrics,
  Pledge,
  Policy,
  Receipt,
  SignedCommitment,
  SignedEvidence,
  SignedReceipt,
  SignedVote,
  Step,
} from '../../src/types.js';
import { blsSign, recoverSignature } from './bls.js';
import { auditorKey, bls, epochStart, LABS, labKeys, makeGenesis, metrics, outsiderKey } from './fixtures.js';

/**
 * A test network with a chosen policy (levels, limits, pledges): real Ed25519 keys and real BLS shares
 * of the fixture dealer. Every helper signs for this network's id.
 */
export interface Net {
  genesis: Genesis;
  networkId: Uint8Array;
  commitment(over?: Partial<Commitment>): SignedCommitment;
  /** lab's chain for epochs from..from+n-1 at (height, level) per epoch, linked, starting at seq 0. */
  chain(
    lab: string,
    epochs: {
      epoch: number;
      height?: number;
      level?: Level;
      metrics?: Partial<Metrics>;
      issuedAt?: number;
    }[],
  ): SignedCommitment[];
  evidence(e: Evidence, reporter?: string, issuedAt?: number): SignedEvidence;
  /** cap-exceeded evidence for `cap` against `lab`'s over-cap commitment (epoch 0). */
  capBreach(lab: string, cap: CapName, reporter?: string): { evidence: SignedEvidence; id: Uint8Array };
  vote(
    voter: string,
    height: number,
    target: Level,
    opts?: { step?: Step; breaches?: Uint8Array[]; resolves?: Uint8Array[] },
  ): SignedVote;
  /** A real certificate recovered from the partials of the first t members (or `signers`). */
  cert(
    height: number,
    target: Level,
    opts?: { step?: Step; resolves?: Uint8Array[]; signers?: string[] },
  ): Certificate;
  receipt(over: Partial<Receipt> & { lab: string; certificateHash: Uint8Array }): SignedReceipt;
}

export function makeNet(policy: Partial<Policy> = {}, pledges: Record<string, Pledge> = {}): Net {
  const genesis = makeGenesis({ policy, pledges });
  const networkId = networkIdOf(genesis);
  const key = (id: string) => (id === 'auditor-x' ? auditorKey : (labKeys[id] ?? outsiderKey));
  const stepOf = (target: Level, step?: Step): Step => step ?? (target === 'RUNNING' ? 'down' : 'up');
  const commitment = (over: Partial<Commitment> = {}): SignedCommitment => {
    const epoch = over.epoch ?? 0;
    const c: Commitment = {
      networkId,
      lab: 'lab-a',
      epoch,
      seq: 0,
      prev: ZERO_HASH,
      issuedAt: epochStart(epoch + 1) + 60_000,
      height: 0,
      level: 'RUNNING',
      metrics: metrics(),
      runsRoot: new Uint8Array(32).fill(7),
      attestations: [],
      ...over,
    };
    return signCommitment(c, key(c.lab));
  };
  return {
    genesis,
    networkId,
    commitment,
    chain(lab, epochs) {
      const out: SignedCommitment[] = [];
      epochs.forEach((e, i) => {
        const prev = out[i - 1];
        out.push(
          commitment({
            lab,
            epoch: e.epoch,
            seq: i,
            prev: prev ? hashSignedCommitment(prev) : ZERO_HASH,
            height: e.height ?? 0,
            level: e.level ?? 'RUNNING',
            metrics: metrics(e.metrics),
            ...(e.issuedAt !== undefined ? { issuedAt: e.issuedAt } : {}),
          }),
        );
      });
      return out;
    },
    evidence(e, reporter = 'lab-b', issuedAt = epochStart(2)) {
      return signEvidence({ networkId, evidence: e, reporter, issuedAt }, key(reporter));
    },
    capBreach(lab, cap, reporter = 'lab-b') {
      const over: Partial<Metrics> =
        cap === 'trainingFlop'
          ? { trainingFlop: 2n * 10n ** 26n }
          : cap === 'largestRunFlop'
            ? { largestRunFlop: 9n * 10n ** 25n }
            : cap === 'maxParams'
              ? { maxParams: 3n * 10n ** 12n }
              : { datasetTokens: 6n * 10n ** 13n };
      const sc = commitment({ lab, metrics: metrics(over) });
      const ev = checkCaps(sc, genesis.policy) as Evidence;
      const evidence = signEvidence(
        { networkId, evidence: ev, reporter, issuedAt: epochStart(2) },
        key(reporter),
      );
      return { evidence, id: breachIdOf(ev) };
    },
    vote(voter, height, target, opts = {}) {
      const step = stepOf(target, opts.step);
      const resolves = opts.resolves ?? [];
      const index = LABS.indexOf(voter as (typeof LABS)[number]);
      const share = bls.secretShares[Math.max(index, 0)] as Uint8Array;
      return signVote(
        {
          networkId,
          height,
          target,
          step,
          voter,
          partial: blsSign(share, statementBytes({ networkId, height, target, step, resolves })),
          evidence: [],
          breaches: step === 'up' ? (opts.breaches ?? [new Uint8Array(32).fill(0x40)]) : [],
          resolves,
          issuedAt: epochStart(2),
        },
        key(voter),
      );
    },
    cert(height, target, opts = {}) {
      const step = stepOf(target, opts.step);
      const resolves = opts.resolves ?? [];
      const signers = opts.signers ?? ['lab-a', 'lab-b', 'lab-c'];
      const st = statementBytes({ networkId, height, target, step, resolves });
      const partials = signers.map((s) => {
        const index = LABS.indexOf(s as (typeof LABS)[number]) + 1;
        return { index, signature: blsSign(bls.secretShares[index - 1] as Uint8Array, st) };
      });
      return { networkId, height, target, step, signers, resolves, signature: recoverSignature(partials) };
    },
    receipt(over) {
      const r: Receipt = {
        networkId,
        height: 1,
        target: 'PAUSED',
        hooksDoneAt: epochStart(1),
        hooks: [{ name: 'sentinel', outcome: 'ok', attempts: 1 }],
        schedulerDigest: new Uint8Array(32),
        issuedAt: epochStart(1) + 1_000,
        ...over,
      };
      return signReceipt(r, key(r.lab));
    },
  };
}
