import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import type { NodeRunRepository } from './repositories.js';

/**
 * When this node was running (table `node_runs`, migration 3): one row per start, `alive_at` advanced by
 * a heartbeat. A deadline the node did not observe (it was down, or had only just started and was still
 * catching up) cannot be judged by when messages were first seen here (docs/protocol.md "First seen").
 */
export class SqliteNodeRuns implements NodeRunRepository {
  private readonly startStmt: Statement<[number, number]>;
  private readonly aliveStmt: Statement<[number, number]>;
  private readonly coverStmt: Statement<[number, number, number], { n: number }>;

  constructor(database: SqliteDatabase) {
    const db = database.connection;
    this.startStmt = db.prepare('INSERT OR REPLACE INTO node_runs (started_at, alive_at) VALUES (?, ?)');
    this.aliveStmt = db.prepare('UPDATE node_runs SET alive_at = ? WHERE started_at = ?');
    this.coverStmt = db.prepare(
      'SELECT COUNT(*) AS n FROM node_runs WHERE started_at + ? <= ? AND alive_at >= ?',
    );
  }

  /** Record a start at `now`; returns the run's key. */
  start(now: number): number {
    this.startStmt.run(now, now);
    return now;
  }

  /** Heartbeat of the run that started at `startedAt`. */
  alive(startedAt: number, now: number): void {
    this.aliveStmt.run(now, startedAt);
  }

  /** Whether some run had been up for at least `settleMs` at instant `t` and was still up at `t`. */
  observed(t: number, settleMs: number): boolean {
    return (this.coverStmt.get(settleMs, t, t)?.n ?? 0) > 0;
  }
}
