import { breachIdOf } from '../breach.js';
import { bytesEqual, toHex } from '../bytes.js';
import { epochStart } from '../epoch.js';
import {
  baselineEpochsOf,
  compareHeightLevel,
  effectiveLimits,
  type HeightLevel,
  levelRank,
} from '../level.js';
import { certificateHash, receiptHash } from '../signing.js';
import type { Certificate, Genesis, LabId, Level, SignedCommitment, SignedReceipt } from '../types.js';
import { baselineSegment, type LimitExcess, limitExcesses } from './limits.js';
import { buildPauseViolation } from './violation.js';

/**
 * A lab's compliance record (docs/protocol.md "Compliance record"), derived only from signed data — the
 * lab's commitments and receipts and the certificates — so that every node, and an offline verifier
 * holding a compliance bundle, derives the same record. Pure.
 */

export interface ComplianceEntry {
  epoch: number;
  seq: number;
  /** What the commitment says: the lab's applied (height, level) when it signed. */
  height: number;
  level: Level;
  /** The highest (height, level) the lab had acknowledged before the epoch began (receipts, own commitments). */
  acknowledged: HeightLevel;
  /**
   * `within` / `over`: the acknowledged level (above RUNNING) held for the whole epoch (the commitment is
   * still at that height) and the metrics are within / over its limits; `behind`: the commitment claims a
   * state below what the lab had acknowledged before the epoch (its own data contradict each other).
   */
  state: 'within' | 'over' | 'behind';
  ok: boolean;
  excesses: LimitExcess[];
  /** Breach id (hex) of the pause-violation these data prove (state `over`), else null. */
  evidence: string | null;
}

export interface ReceiptRecord {
  height: number;
  target: Level;
  /** certificateHash, hex. */
  certificate: string;
  /** The lab's newest receipt for it: every hook ok, a hook failed, or none held. */
  status: 'ok' | 'failed' | 'missing';
  receipt: string | null;
  failed: string[];
}

export interface ComplianceRecord {
  lab: LabId;
  /** Commitments for epochs a level above RUNNING provably held for, and `behind` ones; ascending seq. */
  entries: ComplianceEntry[];
  /** One per certificate given, ascending (height, level). */
  receipts: ReceiptRecord[];
  /** Every entry ok and every receipt ok. */
  ok: boolean;
}

export interface ComplianceInput {
  genesis: Genesis;
  lab: LabId;
  /** The lab's commitments (validated; any order). */
  commitments: readonly SignedCommitment[];
  /** Certificates (validated; any order). */
  certificates: readonly Certificate[];
  /** The lab's receipts (validated; any order). */
  receipts: readonly SignedReceipt[];
}

/** The compliance record of `lab` from its signed data. */
export function complianceRecord(input: ComplianceInput): ComplianceRecord {
  const { genesis, lab } = input;
  const chain = input.commitments
    .filter((sc) => sc.commitment.lab === lab)
    .sort((a, b) => a.commitment.seq - b.commitment.seq);
  const certs = [...input.certificates].sort((a, b) =>
    compareHeightLevel({ height: a.height, level: a.target }, { height: b.height, level: b.target }),
  );
  const byHash = new Map(certs.map((c) => [toHex(certificateHash(c)), c]));
  const receipts = input.receipts.filter((r) => r.receipt.lab === lab);
  // Acknowledgments: (when, state) pairs from receipts for known certificates and from commitments.
  const acks: { at: number; state: HeightLevel }[] = [];
  for (const r of receipts) {
    const k = byHash.get(toHex(r.receipt.certificateHash));
    if (k !== undefined) acks.push({ at: r.receipt.issuedAt, state: { height: k.height, level: k.target } });
  }
  const k = baselineEpochsOf(genesis.policy);
  const entries: ComplianceEntry[] = [];
  for (const sc of chain) {
    const c = sc.commitment;
    const start = epochStart(genesis.policy, c.epoch);
    let acknowledged: HeightLevel = { height: 0, level: 'RUNNING' };
    const consider = (s: HeightLevel) => {
      if (compareHeightLevel(s, acknowledged) > 0) acknowledged = s;
    };
    for (const a of acks) if (a.at < start) consider(a.state);
    for (const p of chain) {
      if (p.commitment.seq >= c.seq) break;
      if (p.commitment.issuedAt < start) consider(p.commitment);
    }
    const base = { epoch: c.epoch, seq: c.seq, height: c.height, level: c.level, acknowledged };
    if (compareHeightLevel(c, acknowledged) < 0) {
      entries.push({ ...base, state: 'behind', ok: false, excesses: [], evidence: null });
      continue;
    }
    if (c.height !== acknowledged.height || acknowledged.level === 'RUNNING') continue;
    const level = acknowledged.level;
    const limits = effectiveLimits(genesis.policy, level);
    const segment = baselineSegment(chain, acknowledged, k);
    const baseline =
      segment !== null &&
      segment.length >= 2 &&
      (segment[segment.length - 1] as SignedCommitment).commitment.seq <= c.seq
        ? segment.slice(0, -1).map((x) => x.commitment.metrics)
        : null;
    const excesses = limitExcesses(c.metrics, limits, baseline);
    let evidence: string | null = null;
    if (excesses.length > 0) {
      // The certificate the acknowledged state stands on: the highest at that height not above its level.
      const cert = certs
        .filter(
          (x) =>
            x.height === acknowledged.height &&
            levelRank(x.target) <= levelRank(level) &&
            x.target !== 'RUNNING',
        )
        .pop();
      const ev =
        cert === undefined
          ? null
          : buildPauseViolation({ genesis, certificate: cert, commitment: sc, chain, receipts });
      evidence = ev === null ? null : toHex(breachIdOf(ev));
    }
    entries.push({
      ...base,
      state: excesses.length > 0 ? 'over' : 'within',
      ok: excesses.length === 0,
      excesses,
      evidence,
    });
  }
  const receiptRecords: ReceiptRecord[] = certs.map((cert) => {
    const hash = certificateHash(cert);
    let newest: SignedReceipt | null = null;
    for (const r of receipts)
      if (
        bytesEqual(r.receipt.certificateHash, hash) &&
        (newest === null || r.receipt.issuedAt > newest.receipt.issuedAt)
      )
        newest = r;
    const failed =
      newest === null ? [] : newest.receipt.hooks.filter((h) => h.outcome !== 'ok').map((h) => h.name);
    return {
      height: cert.height,
      target: cert.target,
      certificate: toHex(hash),
      status: newest === null ? 'missing' : failed.length > 0 ? 'failed' : 'ok',
      receipt: newest === null ? null : toHex(receiptHash(newest)),
      failed,
    };
  });
  return {
    lab,
    entries,
    receipts: receiptRecords,
    ok: entries.every((e) => e.ok) && receiptRecords.every((r) => r.status === 'ok'),
  };
}
