import {
  decodeSignedCommitment,
  detectEquivocation,
  type Evidence,
  exceededCaps,
  hashSignedCommitment,
  type Policy,
  type SignedCommitment,
} from '@pausenet/protocol';
import type Database from 'better-sqlite3';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/**
 * Breaches a newly accepted commitment proves: one cap-exceeded per cap it exceeds (each cap is its own
 * breach id, so a resume resolves them all and none is filed later by someone else as new), and/or
 * equivocation with a stored commitment (same epoch or seq).
 */
export class BreachDetector {
  private readonly byEpochStmt: Database.Statement<
    [string, number],
    { seq: number; hash: Uint8Array; bytes: Uint8Array }
  >;
  private readonly bySeqStmt: Database.Statement<
    [string, number],
    { seq: number; hash: Uint8Array; bytes: Uint8Array }
  >;

  constructor(
    db: Database.Database,
    private readonly policy: Policy,
  ) {
    // Two indexed lookups: one query with `epoch = ? OR seq = ?` scans every row of the lab (quadratic sync).
    this.byEpochStmt = db.prepare(
      'SELECT seq, hash, bytes FROM commitments INDEXED BY commitments_lab_epoch WHERE lab = ? AND epoch = ?',
    );
    this.bySeqStmt = db.prepare('SELECT seq, hash, bytes FROM commitments WHERE lab = ? AND seq = ?');
  }

  /** Stored commitments of `lab` at `epoch` or at `seq`, in seq order. */
  private rivals(lab: string, epoch: number, seq: number): { hash: Uint8Array; bytes: Uint8Array }[] {
    const rows = this.byEpochStmt.all(lab, epoch);
    const atSeq = this.bySeqStmt.get(lab, seq);
    if (atSeq !== undefined && !rows.some((r) => r.seq === atSeq.seq)) rows.push(atSeq);
    return rows.sort((a, b) => a.seq - b.seq);
  }

  /** Evidence proven by `sc` (empty when it is within policy and consistent with the lab's stored commitments). */
  detect(sc: SignedCommitment, opts: { rivals?: boolean } = {}): Evidence[] {
    const found: Evidence[] = exceededCaps(sc, this.policy).map((cap) => ({
      kind: 'cap-exceeded',
      commitment: sc,
      cap,
    }));
    // A commitment the store just appended to its lab's chain has no stored rival: skip the lookup.
    if (opts.rivals === false) return found;
    const own = hex(hashSignedCommitment(sc));
    for (const row of this.rivals(sc.commitment.lab, sc.commitment.epoch, sc.commitment.seq)) {
      if (hex(row.hash) === own) continue;
      let other: SignedCommitment;
      try {
        other = decodeSignedCommitment(new Uint8Array(row.bytes));
      } catch {
        continue; // stored bytes were validated on ingest; a decode failure here means a codec change, not a breach
      }
      const eq = detectEquivocation(other, sc);
      if (eq !== null) {
        found.push(eq);
        break;
      }
    }
    return found;
  }
}
