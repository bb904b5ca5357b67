import { describe, expect, it } from 'vitest';
import { breachIdOfKey } from '../src/breach.js';
import { toHex } from '../src/bytes.js';
import {
  type ComplianceBundle,
  complianceBundleFromJson,
  complianceBundleToJson,
  verifyComplianceBundle,
} from '../src/compliance/bundle.js';
import { complianceRecord } from '../src/compliance/record.js';
import { ProtocolError } from '../src/errors.js';
import { signCommitment } from '../src/sign.js';
import { certificateHash } from '../src/signing.js';
import type { SignedCommitment } from '../src/types.js';
import { epochStart, outsiderKey } from './helpers/fixtures.js';
import { makeNet } from './helpers/net.js';

/** The compliance record and bundle (docs/protocol.md "Compliance record", "Compliance bundle"). */
const net = makeNet({
  limits: { PAUSED: { trainingFlop: 10n ** 24n } },
  baselineEpochs: 2,
});
const K = net.cert(1, 'PAUSED');
const R2 = net.cert(2, 'RUNNING', { resolves: [] });
const calm = { trainingFlop: 5n * 10n ** 23n };
const over = { trainingFlop: 5n * 10n ** 24n };
// lab-b: running at 0-1; paused at height 1 for epochs 2 (over the allowance) and 3 (within); resumed at 4.
const b = net.chain('lab-b', [
  { epoch: 0 },
  { epoch: 1 },
  { epoch: 2, height: 1, level: 'PAUSED', metrics: over },
  { epoch: 3, height: 1, level: 'PAUSED', metrics: calm },
  { epoch: 4, height: 2, level: 'RUNNING' },
]);
const receiptsB = [
  net.receipt({ lab: 'lab-b', certificateHash: certificateHash(K), issuedAt: epochStart(2) - 1_000 }),
  net.receipt({
    lab: 'lab-b',
    certificateHash: certificateHash(R2),
    height: 2,
    target: 'RUNNING',
    issuedAt: epochStart(4) - 1_000,
    hooksDoneAt: epochStart(4) - 2_000,
    hooks: [
      { name: 'sentinel', outcome: 'ok', attempts: 1 },
      { name: 'slurm', outcome: 'failed', attempts: 10 },
    ],
  }),
];

describe('compliance record', () => {
  it('per epoch committed while a level above RUNNING held: within or over (with the pause-violation it proves); receipts per certificate', () => {
    const rec = complianceRecord({
      genesis: net.genesis,
      lab: 'lab-b',
      commitments: b,
      certificates: [R2, K],
      receipts: receiptsB,
    });
    expect(rec.entries.map((e) => [e.epoch, e.state, e.ok, e.acknowledged])).toEqual([
      [2, 'over', false, { height: 1, level: 'PAUSED' }],
      [3, 'within', true, { height: 1, level: 'PAUSED' }],
    ]);
    expect(rec.entries[0]?.excesses).toEqual([
      { metric: 'trainingFlop', value: over.trainingFlop, limit: 10n ** 24n },
    ]);
    expect(rec.entries[0]?.evidence).toBe(
      toHex(breachIdOfKey({ kind: 'pause-violation', lab: 'lab-b', epoch: 2, height: 1 })),
    );
    expect(rec.receipts.map((r) => [r.height, r.target, r.status, r.failed])).toEqual([
      [1, 'PAUSED', 'ok', []],
      [2, 'RUNNING', 'failed', ['slurm']],
    ]);
    expect(rec.ok).toBe(false);
  });

  it('an epoch that began before the lab acknowledged the level is not judged; commitments of the same data in any order give the same record', () => {
    const late = [
      net.receipt({ lab: 'lab-b', certificateHash: certificateHash(K), issuedAt: epochStart(2) + 5 }),
    ];
    const rec = complianceRecord({
      genesis: net.genesis,
      lab: 'lab-b',
      commitments: b,
      certificates: [K],
      receipts: late,
    });
    // Epoch 2 began before the receipt, and no commitment of the lab at height 1 preceded it: only epoch 3,
    // acknowledged by the receipt and by the epoch-2 commitment, is judged.
    expect(rec.entries.map((e) => [e.epoch, e.state])).toEqual([[3, 'within']]);
    const shuffled = complianceRecord({
      genesis: net.genesis,
      lab: 'lab-b',
      commitments: [...b].reverse(),
      certificates: [K],
      receipts: late,
    });
    expect(shuffled).toEqual(rec);
  });

  it('behind: a commitment claiming an applied state below what the lab had already acknowledged', () => {
    const c = net.chain('lab-c', [{ epoch: 0 }, { epoch: 1 }, { epoch: 2 }]);
    const r = [
      net.receipt({ lab: 'lab-c', certificateHash: certificateHash(K), issuedAt: epochStart(2) - 1_000 }),
    ];
    const rec = complianceRecord({
      genesis: net.genesis,
      lab: 'lab-c',
      commitments: c,
      certificates: [K],
      receipts: r,
    });
    expect(rec.entries.map((e) => [e.epoch, e.state, e.ok])).toEqual([[2, 'behind', false]]);
    expect(rec.ok).toBe(false);
  });

  it('a lab that never receipts shows the receipt missing, whatever its commitments claim', () => {
    const c = net.chain('lab-d', [{ epoch: 0 }, { epoch: 1 }, { epoch: 2 }]);
    const rec = complianceRecord({
      genesis: net.genesis,
      lab: 'lab-d',
      commitments: c,
      certificates: [K],
      receipts: [],
    });
    expect(rec.entries).toEqual([]);
    expect(rec.receipts.map((r) => r.status)).toEqual(['missing']);
    expect(rec.ok).toBe(false);
  });
});

describe('compliance bundle', () => {
  const bundle: ComplianceBundle = {
    networkId: net.networkId,
    lab: 'lab-b',
    certificates: [K, R2],
    commitments: b,
    receipts: receiptsB,
  };

  it('verifies offline against the genesis and derives the same record as a node; JSON round trips', () => {
    const v = verifyComplianceBundle(bundle, net.genesis);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.record).toEqual(
      complianceRecord({
        genesis: net.genesis,
        lab: 'lab-b',
        commitments: b,
        certificates: [K, R2],
        receipts: receiptsB,
      }),
    );
    const json = JSON.parse(JSON.stringify(complianceBundleToJson(bundle)));
    expect(json.format).toBe('pausenet-compliance/1');
    expect(complianceBundleFromJson(json)).toEqual(bundle);
  });

  it('every item that does not verify is named with its rule; no record is derived from unverified data', () => {
    const codes = (x: ComplianceBundle) => {
      const v = verifyComplianceBundle(x, net.genesis);
      expect(v.record === null).toBe(!v.ok);
      return v.problems.map((p) => `${p.code} ${p.item}`);
    };
    expect(codes({ ...bundle, networkId: new Uint8Array(32) })).toEqual(['B_NETWORK networkId']);
    expect(codes({ ...bundle, lab: 'lab-x' })).toEqual(['B_LAB lab']);
    // (the receipt for K then names a certificate the bundle does not hold)
    expect(codes({ ...bundle, certificates: [{ ...K, signature: R2.signature }, R2] })).toEqual([
      'B_CERTIFICATE certificates[0]',
      'B_RECEIPT receipts[0]',
    ]);
    expect(codes({ ...bundle, certificates: [R2, K] })).toEqual(['B_CERTIFICATE certificates[1]']);
    const foreign = net.chain('lab-c', [{ epoch: 0 }]);
    expect(codes({ ...bundle, commitments: [...foreign, ...b.slice(1)] })).toEqual([
      'B_COMMITMENT commitments[0]',
      'B_CHAIN commitments[1]',
    ]);
    const forged = signCommitment((b[3] as SignedCommitment).commitment, outsiderKey);
    expect(codes({ ...bundle, commitments: [b[0]!, b[1]!, b[2]!, forged, b[4]!] })).toEqual([
      'B_COMMITMENT commitments[3]',
      'B_CHAIN commitments[4]',
    ]);
    expect(codes({ ...bundle, commitments: [b[0]!, b[2]!] })).toEqual(['B_CHAIN commitments[1]']);
    expect(codes({ ...bundle, certificates: [K] })).toEqual(['B_RECEIPT receipts[1]']);
    const other = net.receipt({ lab: 'lab-c', certificateHash: certificateHash(K) });
    expect(codes({ ...bundle, receipts: [other] })).toEqual(['B_RECEIPT receipts[0]']);
  });

  it('a malformed bundle file is a typed error naming the item', () => {
    const json = complianceBundleToJson(bundle) as unknown as Record<string, unknown>;
    const err = (x: unknown) => {
      try {
        complianceBundleFromJson(x);
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolError);
        return `${(e as ProtocolError).code} ${(e as ProtocolError).path}`;
      }
      return 'NO_ERROR';
    };
    expect(err({ ...json, format: 'x' })).toBe('OUT_OF_RANGE format');
    expect(err({ ...json, extra: 1 })).toBe('UNKNOWN_FIELD ');
    expect(err({ ...json, networkId: 'zz' })).toBe('WRONG_TYPE networkId');
    const commitments = [...(json['commitments'] as Record<string, unknown>[])];
    commitments[2] = { ...commitments[2], level: 'HALTED' };
    expect(err({ ...json, commitments })).toBe('OUT_OF_RANGE commitments[2].commitment.level');
    expect(err([])).toBe('WRONG_TYPE ');
  });
});
