import type { SqliteDatabase } from './database.js';
import type { ApprovalRecord, ApprovalRepository } from './repositories.js';
import { levelOf } from './signed-heights.js';

/** Operator approvals on SQLite (tables approvals, migration 2, and approval_breaches, migration 3). */
export class SqliteApprovals implements ApprovalRepository {
  constructor(private readonly db: SqliteDatabase) {}

  approve(
    height: number,
    target: ApprovalRecord['target'],
    breaches: readonly Uint8Array[],
    now: number,
  ): void {
    this.db.transaction(() => {
      this.db
        .sql('INSERT OR IGNORE INTO approvals (height, target, at) VALUES (?, ?, ?)')
        .run(height, target, now);
      // A resume names exactly one set; pause approvals add up.
      if (target === 'RUNNING')
        this.db.sql('DELETE FROM approval_breaches WHERE height = ? AND target = ?').run(height, target);
      for (const id of breaches)
        this.db
          .sql('INSERT OR IGNORE INTO approval_breaches (height, target, breach_id) VALUES (?, ?, ?)')
          .run(height, target, id);
    });
  }

  above(height: number): ApprovalRecord[] {
    const rows = this.db
      .sql('SELECT height, target, at FROM approvals WHERE height > ? ORDER BY height, target')
      .all(height) as { height: number; target: string; at: number }[];
    return rows.map((r) => ({
      height: r.height,
      target: levelOf(r.target),
      at: r.at,
      breaches: (
        this.db
          .sql('SELECT breach_id FROM approval_breaches WHERE height = ? AND target = ? ORDER BY breach_id')
          .all(r.height, r.target) as { breach_id: Uint8Array }[]
      ).map((b) => new Uint8Array(b.breach_id)),
    }));
  }
}
