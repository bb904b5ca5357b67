import { describe, expect, it } from 'vitest';
import type {
  CertificateJson,
  CommitmentJson,
  EvidenceJson,
  GenesisJson,
  StatusJson,
} from '../../src/api.js';
import {
  capSeries,
  deadlineOf,
  describeEvidence,
  epochAt,
  memberRows,
  missedEpochs,
  networkFirstEpoch,
  timeline,
} from '../../src/model.js';

const policy: GenesisJson['policy'] = {
  genesisTime: 1_000_000,
  epochMs: 60_000,
  deadlineMs: 10_000,
  graceMs: 5_000,
  caps: { trainingFlop: '1000', largestRunFlop: '500', maxParams: '100', datasetTokens: '2000' },
};
const genesis: GenesisJson = {
  version: 2,
  name: 't',
  threshold: 2,
  members: [
    { id: 'lab-b', name: 'B', index: 2, publicKey: '' },
    { id: 'lab-a', name: 'A', index: 1, publicKey: '' },
  ],
  policy,
};

function commitment(lab: string, epoch: number, seq: number, trainingFlop: string): CommitmentJson {
  return {
    hash: `${lab}-${seq}`,
    lab,
    epoch,
    seq,
    prev: '',
    issuedAt: deadlineOf(policy, epoch) - 5_000,
    metrics: {
      trainingFlop,
      largestRunFlop: '100',
      maxParams: '10',
      datasetTokens: '10',
      acceleratorHours: '5',
      utilizationBps: 5000,
    },
    runsRoot: '',
    signature: '',
  };
}

const cert = (
  height: number,
  target: 'RUNNING' | 'PAUSED',
  signers = ['lab-a', 'lab-b'],
): CertificateJson => ({
  hash: `c${height}`,
  height,
  target,
  step: target === 'RUNNING' ? 'down' : 'up',
  statement: '',
  signature: '',
  signers,
});

describe('epochs and deadlines', () => {
  it('places times in epochs and computes deadlines', () => {
    expect(epochAt(policy, 999_999)).toBe(-1);
    expect(epochAt(policy, 1_000_000)).toBe(0);
    expect(epochAt(policy, 1_000_000 + 60_000 * 3 + 1)).toBe(3);
    expect(deadlineOf(policy, 0)).toBe(1_070_000);
  });

  it('reports an epoch as missed only after its deadline has passed', () => {
    const cs = [commitment('lab-a', 0, 0, '1'), commitment('lab-a', 2, 1, '1')];
    expect(missedEpochs(policy, cs, 'lab-a', 0, 3, deadlineOf(policy, 1) - 1)).toEqual([]);
    expect(missedEpochs(policy, cs, 'lab-a', 0, 3, deadlineOf(policy, 1) + 1)).toEqual([1]);
    expect(missedEpochs(policy, cs, 'lab-a', 0, 3, deadlineOf(policy, 3) + 1)).toEqual([1, 3]);
  });
});

describe('epochs before the network ran are not missed', () => {
  // genesisTime long before the members started: epochs 0..99 passed with no lab running
  const now = deadlineOf(policy, 104) + 1;
  const win = { from: 94, to: 105 };

  it('networkFirstEpoch: the first epoch a lab made its first (seq 0) commitment for', () => {
    expect(networkFirstEpoch(null, [], win)).toBe(Number.POSITIVE_INFINITY);
    const cs = [
      commitment('lab-a', 100, 0, '1'),
      commitment('lab-a', 101, 1, '1'),
      commitment('lab-b', 102, 0, '1'),
    ];
    expect(networkFirstEpoch(null, cs, win)).toBe(100);
    // lab-b's earliest in the window is seq 3: it committed before the window, so the network ran then
    expect(networkFirstEpoch(null, [cs[0]!, cs[1]!, commitment('lab-b', 95, 3, '1')], win)).toBe(
      Number.NEGATIVE_INFINITY,
    );
    const status = {
      labs: [{ id: 'lab-b', name: 'B', connected: true, lastCommitment: commitment('lab-b', 80, 7, '1') }],
    } as unknown as StatusJson;
    expect(networkFirstEpoch(status, [commitment('lab-a', 100, 0, '1')], win)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('no lab has committed: nothing is missed; then only from the first committed epoch on', () => {
    const none = memberRows(genesis, null, [], win, now);
    expect(none.map((r) => r.missed)).toEqual([[], []]);
    const cs = [
      commitment('lab-a', 100, 0, '1'),
      commitment('lab-a', 101, 1, '1'),
      commitment('lab-a', 104, 2, '1'),
    ];
    const [a, b] = memberRows(genesis, null, cs, win, now);
    expect(a!.missed).toEqual([102, 103]);
    expect(b!.missed).toEqual([100, 101, 102, 103, 104]);
    const [sa] = capSeries(genesis, cs, 'trainingFlop', win, now, networkFirstEpoch(null, cs, win));
    expect(sa!.points.filter((p) => p.missed).map((p) => p.epoch)).toEqual([102, 103]);
  });
});

describe('memberRows', () => {
  it('orders by member index, merges live status, flags caps and misses', () => {
    const cs = [
      commitment('lab-a', 0, 0, '500'),
      commitment('lab-a', 1, 1, '1500'),
      commitment('lab-b', 1, 0, '10'),
    ];
    const status = {
      labs: [
        { id: 'lab-a', name: 'A', connected: true, lastCommitment: null },
        { id: 'lab-b', name: 'B', connected: false, lastCommitment: null },
      ],
    } as unknown as StatusJson;
    const rows = memberRows(genesis, status, cs, { from: 0, to: 1 }, deadlineOf(policy, 1) + 1);
    expect(rows.map((r) => r.id)).toEqual(['lab-a', 'lab-b']);
    const [a, b] = rows;
    expect(a!.connected).toBe(true);
    expect(a!.latest?.seq).toBe(1);
    expect(a!.overCap).toBe(true);
    expect(a!.caps[0]).toMatchObject({ cap: 'trainingFlop', ratio: 1.5, over: true });
    expect(a!.missed).toEqual([]);
    expect(b!.connected).toBe(false);
    expect(b!.overCap).toBe(false);
    expect(b!.missed).toEqual([0]);
  });

  it('builds chart series with gaps for missing epochs', () => {
    const cs = [commitment('lab-a', 0, 0, '250'), commitment('lab-a', 2, 1, '750')];
    const [a] = capSeries(genesis, cs, 'trainingFlop', { from: 0, to: 2 }, deadlineOf(policy, 2) + 1);
    expect(a!.points).toEqual([
      { epoch: 0, ratio: 0.25, missed: false },
      { epoch: 1, ratio: null, missed: true },
      { epoch: 2, ratio: 0.75, missed: false },
    ]);
  });
});

describe('evidence and timeline', () => {
  // Shape of @pausenet/protocol evidenceToJson: fields nested under `evidence`.
  const capEvidence: EvidenceJson = {
    hash: 'e1',
    networkId: '00',
    reporter: 'lab-a',
    issuedAt: 5_000,
    evidence: {
      kind: 'cap-exceeded',
      cap: 'trainingFlop',
      commitment: { commitment: { lab: 'lab-b', epoch: 7 }, signature: '' },
    },
    signature: '',
  };
  const missed: EvidenceJson = {
    hash: 'e2',
    reporter: 'lab-b',
    issuedAt: 9_000,
    evidence: { kind: 'missed', lab: 'lab-a', epoch: 3 },
  };

  it('describes protocol evidence JSON', () => {
    expect(describeEvidence(capEvidence)).toEqual({
      hash: 'e1',
      breach: null,
      epoch: 7,
      what: 'over the Training FLOP cap',
      kind: 'cap-exceeded',
      subject: 'lab-b',
      reporter: 'lab-a',
      issuedAt: 5_000,
      detail: 'over the Training FLOP cap (epoch 7)',
    });
    expect(describeEvidence(missed)).toMatchObject({
      subject: 'lab-a',
      detail: 'no commitment by the deadline of epoch 3',
    });
    expect(describeEvidence({ kind: 'report', subject: 'lab-a', summary: 'audit' })).toMatchObject({
      kind: 'report',
      subject: 'lab-a',
      detail: 'audit',
      reporter: '—',
      issuedAt: null,
    });
  });

  it('groups breach, votes, certificate and halts per transition, newest first', () => {
    const status = {
      height: 2,
      since: 20_000,
      pendingVotes: [{ height: 3, target: 'PAUSED', voters: ['lab-b'], needed: 2 }],
      hooks: [{ height: 1, action: 'halt', hook: 'slurm', status: 'ok', attempts: 1, lastError: null }],
    } as unknown as StatusJson;
    const eps = timeline(
      [cert(1, 'PAUSED', ['lab-a', 'lab-b']), { ...cert(2, 'RUNNING'), appliedAt: 20_000 }],
      [capEvidence, { ...missed, issuedAt: 30_000 }],
      status,
      2,
    );
    expect(eps.map((e) => `${e.height}:${e.target}:${e.certified}`)).toEqual([
      '3:PAUSED:false',
      '2:RUNNING:true',
      '1:PAUSED:true',
    ]);
    expect(eps[2]!.steps.map((s) => s.type)).toEqual(['evidence', 'votes', 'certificate', 'hooks']);
    // Evidence after the last certificate belongs to the pause still collecting votes.
    expect(eps[0]!.steps.map((s) => s.type)).toEqual(['evidence', 'votes']);
    expect(eps[0]!.steps[1]).toMatchObject({ voters: ['lab-b'], needed: 2, done: false });
    expect(eps[1]!.steps.map((s) => s.type)).toEqual(['votes', 'certificate']);
  });
});
