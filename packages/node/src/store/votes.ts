import type { SqliteDatabase } from './database.js';
import type { VoteRepository, VoteRow } from './repositories.js';

/** Signed votes on SQLite (table votes, migration 1). */
export class SqliteVotes implements VoteRepository {
  constructor(private readonly db: SqliteDatabase) {}

  insert(r: VoteRow): boolean {
    const res = this.db
      .sql(
        'INSERT INTO votes (height, target, voter, bytes, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(r.height, r.target, r.voter, r.bytes, r.receivedAt);
    return res.changes === 1;
  }

  has(height: number, target: string, voter: string): boolean {
    return (
      this.db
        .sql('SELECT 1 FROM votes WHERE height = ? AND target = ? AND voter = ?')
        .get(height, target, voter) !== undefined
    );
  }

  range(fromHeight: number, toHeight: number, limit: number): VoteRow[] {
    const rows = this.db
      .sql('SELECT * FROM votes WHERE height >= ? AND height <= ? ORDER BY height, target, voter LIMIT ?')
      .all(fromHeight, toHeight, limit) as {
      height: number;
      target: string;
      voter: string;
      bytes: Uint8Array;
      received_at: number;
    }[];
    return rows.map((x) => ({
      height: x.height,
      target: x.target,
      voter: x.voter,
      bytes: new Uint8Array(x.bytes),
      receivedAt: x.received_at,
    }));
  }

  count(height: number): number {
    return (this.db.sql('SELECT COUNT(*) AS n FROM votes WHERE height = ?').get(height) as { n: number }).n;
  }
}
