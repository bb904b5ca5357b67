import type { SqliteDatabase } from './database.js';
import type { ChainHead, CommitmentRepository, CommitmentRow, InsertResult } from './repositories.js';

interface Raw {
  lab: string;
  seq: number;
  epoch: number;
  hash: Uint8Array;
  bytes: Uint8Array;
  received_at: number;
}

function row(x: Raw): CommitmentRow {
  return {
    lab: x.lab,
    seq: x.seq,
    epoch: x.epoch,
    hash: new Uint8Array(x.hash),
    bytes: new Uint8Array(x.bytes),
    receivedAt: x.received_at,
  };
}

/** Per-lab hash chains on SQLite (table commitments, migration 1). */
export class SqliteCommitments implements CommitmentRepository {
  constructor(private readonly db: SqliteDatabase) {}

  insert(r: CommitmentRow): InsertResult {
    return this.db.atomic(() => {
      const existing = this.db
        .sql('SELECT hash FROM commitments WHERE lab = ? AND seq = ?')
        .get(r.lab, r.seq) as { hash: Uint8Array } | undefined;
      if (existing) return Buffer.from(existing.hash).equals(r.hash) ? 'duplicate' : 'conflict';
      if (this.db.sql('SELECT 1 FROM commitments WHERE hash = ?').get(r.hash)) return 'duplicate';
      this.db
        .sql('INSERT INTO commitments (lab, seq, epoch, hash, bytes, received_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(r.lab, r.seq, r.epoch, r.hash, r.bytes, r.receivedAt);
      return 'inserted';
    });
  }

  last(lab: string): CommitmentRow | undefined {
    const r = this.db.sql('SELECT * FROM commitments WHERE lab = ? ORDER BY seq DESC LIMIT 1').get(lab);
    return r ? row(r as Raw) : undefined;
  }

  get(lab: string, seq: number): CommitmentRow | undefined {
    const r = this.db.sql('SELECT * FROM commitments WHERE lab = ? AND seq = ?').get(lab, seq);
    return r ? row(r as Raw) : undefined;
  }

  byHash(hash: Uint8Array): CommitmentRow | undefined {
    const r = this.db.sql('SELECT * FROM commitments WHERE hash = ?').get(hash);
    return r ? row(r as Raw) : undefined;
  }

  range(lab: string, fromSeq: number, toSeq: number, limit: number): CommitmentRow[] {
    return (
      this.db
        .sql('SELECT * FROM commitments WHERE lab = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT ?')
        .all(lab, fromSeq, toSeq, limit) as Raw[]
    ).map(row);
  }

  byEpoch(lab: string | undefined, fromEpoch: number, toEpoch: number, limit: number): CommitmentRow[] {
    const sql = lab
      ? 'SELECT * FROM commitments WHERE lab = ? AND epoch >= ? AND epoch <= ? ORDER BY lab, seq LIMIT ?'
      : 'SELECT * FROM commitments WHERE epoch >= ? AND epoch <= ? ORDER BY lab, seq LIMIT ?';
    const args = lab ? [lab, fromEpoch, toEpoch, limit] : [fromEpoch, toEpoch, limit];
    return (this.db.sql(sql).all(...args) as Raw[]).map(row);
  }

  rivals(lab: string, epoch: number, seq: number): CommitmentRow[] {
    // Two indexed lookups: one query with `epoch = ? OR seq = ?` scans every row of the lab (quadratic sync).
    const rows = (
      this.db
        .sql('SELECT * FROM commitments INDEXED BY commitments_lab_epoch WHERE lab = ? AND epoch = ?')
        .all(lab, epoch) as Raw[]
    ).map(row);
    const atSeq = this.get(lab, seq);
    if (atSeq !== undefined && !rows.some((r) => r.seq === atSeq.seq)) rows.push(atSeq);
    return rows.sort((a, b) => a.seq - b.seq);
  }

  heads(): ChainHead[] {
    const rows = this.db
      .sql(
        'SELECT lab, seq, hash FROM commitments c WHERE seq = (SELECT MAX(seq) FROM commitments WHERE lab = c.lab) ORDER BY lab',
      )
      .all() as { lab: string; seq: number; hash: Uint8Array }[];
    return rows.map((r) => ({ lab: r.lab, seq: r.seq, hash: new Uint8Array(r.hash) }));
  }

  count(lab?: string, epochs?: { from: number; to: number }): number {
    const r = (
      lab && epochs
        ? this.db
            .sql('SELECT COUNT(*) AS n FROM commitments WHERE lab = ? AND epoch >= ? AND epoch <= ?')
            .get(lab, epochs.from, epochs.to)
        : lab
          ? this.db.sql('SELECT COUNT(*) AS n FROM commitments WHERE lab = ?').get(lab)
          : epochs
            ? this.db
                .sql('SELECT COUNT(*) AS n FROM commitments WHERE epoch >= ? AND epoch <= ?')
                .get(epochs.from, epochs.to)
            : this.db.sql('SELECT COUNT(*) AS n FROM commitments').get()
    ) as { n: number };
    return r.n;
  }
}
