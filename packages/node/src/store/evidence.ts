import type { SqliteDatabase } from './database.js';
import type { EvidenceRepository, EvidenceRow } from './repositories.js';

interface Raw {
  hash: Uint8Array;
  kind: string;
  bytes: Uint8Array;
  received_at: number;
  breach_id: Uint8Array | null;
  reporter: string | null;
  epoch: number | null;
}

/** Signed evidence on SQLite (table evidence, migrations 1 and 3). */
export class SqliteEvidence implements EvidenceRepository {
  constructor(private readonly db: SqliteDatabase) {}

  insert(r: EvidenceRow): boolean {
    const res = this.db
      .sql(
        `INSERT INTO evidence (hash, kind, bytes, received_at, breach_id, reporter, epoch) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(hash) DO NOTHING`,
      )
      .run(r.hash, r.kind, r.bytes, r.receivedAt, r.breachId ?? null, r.reporter ?? null, r.epoch ?? null);
    return res.changes === 1;
  }

  has(hash: Uint8Array): boolean {
    return this.db.sql('SELECT 1 FROM evidence WHERE hash = ?').get(hash) !== undefined;
  }

  hasFor(breachId: Uint8Array, reporter: string): boolean {
    return (
      this.db
        .sql('SELECT 1 FROM evidence WHERE breach_id = ? AND reporter = ? LIMIT 1')
        .get(breachId, reporter) !== undefined
    );
  }

  countJudged(reporter: string, epoch: number): number {
    return (
      this.db
        .sql(
          "SELECT COUNT(*) AS n FROM evidence WHERE reporter = ? AND epoch = ? AND kind IN ('missed', 'report')",
        )
        .get(reporter, epoch) as { n: number }
    ).n;
  }

  count(): number {
    return (this.db.sql('SELECT COUNT(*) AS n FROM evidence').get() as { n: number }).n;
  }

  list(limit = 1000, offset = 0): EvidenceRow[] {
    return (
      this.db
        .sql('SELECT * FROM evidence ORDER BY received_at, hash LIMIT ? OFFSET ?')
        .all(limit, offset) as Raw[]
    ).map((x) => ({
      hash: new Uint8Array(x.hash),
      kind: x.kind,
      bytes: new Uint8Array(x.bytes),
      receivedAt: x.received_at,
      ...(x.breach_id !== null ? { breachId: new Uint8Array(x.breach_id) } : {}),
      ...(x.reporter !== null ? { reporter: x.reporter } : {}),
      ...(x.epoch !== null ? { epoch: x.epoch } : {}),
    }));
  }
}
