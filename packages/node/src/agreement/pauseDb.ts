import type { PauseState as PauseTarget } from '@pausenet/protocol';
import type Database from 'better-sqlite3';
import { levelOf } from './slashing.js';

/** The applied (certified) pause state of this node. */
export interface AppliedState {
  height: number;
  state: PauseTarget;
  /** Local unix ms when this state was applied (null at height 0). */
  since: number | null;
  /** Hash of the certificate that set it (null at height 0). */
  certificateHash: Uint8Array | null;
}

interface StateRow {
  height: number;
  state: string;
  since: number | null;
  certificate_hash: Uint8Array | null;
}

/** An operator approval: PAUSED -> the judged breach ids approved; RUNNING -> what the resume resolves. */
export interface ApprovalRecord {
  height: number;
  target: PauseTarget;
  at: number;
  breaches: Uint8Array[];
}

/**
 * Tables pause_state (one row), approvals (operator approvals per height/target, migration 2) and
 * approval_breaches (the breach ids each approval names, migration 3).
 */
export class PauseDb {
  private readonly getStmt: Database.Statement<[], StateRow>;
  private readonly setStmt: Database.Statement<[number, string, number | null, Uint8Array | null]>;
  private readonly approveStmt: Database.Statement<[number, string, number]>;
  private readonly approvalsStmt: Database.Statement<
    [number],
    { height: number; target: string; at: number }
  >;
  private readonly approveBreachStmt: Database.Statement<[number, string, Uint8Array]>;
  private readonly clearBreachesStmt: Database.Statement<[number, string]>;
  private readonly approvalBreachesStmt: Database.Statement<[number, string], { breach_id: Uint8Array }>;
  private readonly approveTx: (
    height: number,
    target: PauseTarget,
    breaches: readonly Uint8Array[],
    now: number,
  ) => void;

  constructor(db: Database.Database) {
    this.getStmt = db.prepare('SELECT height, state, since, certificate_hash FROM pause_state WHERE id = 1');
    this.setStmt = db.prepare(
      `INSERT INTO pause_state (id, height, state, since, certificate_hash) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET height = excluded.height, state = excluded.state, since = excluded.since,
         certificate_hash = excluded.certificate_hash`,
    );
    this.approveStmt = db.prepare('INSERT OR IGNORE INTO approvals (height, target, at) VALUES (?, ?, ?)');
    this.approvalsStmt = db.prepare(
      'SELECT height, target, at FROM approvals WHERE height > ? ORDER BY height, target',
    );
    this.approveBreachStmt = db.prepare(
      'INSERT OR IGNORE INTO approval_breaches (height, target, breach_id) VALUES (?, ?, ?)',
    );
    this.clearBreachesStmt = db.prepare('DELETE FROM approval_breaches WHERE height = ? AND target = ?');
    this.approvalBreachesStmt = db.prepare(
      'SELECT breach_id FROM approval_breaches WHERE height = ? AND target = ? ORDER BY breach_id',
    );
    this.approveTx = db.transaction(
      (height: number, target: PauseTarget, breaches: readonly Uint8Array[], now: number) => {
        this.approveStmt.run(height, target, now);
        // A resume names exactly one set; pause approvals add up.
        if (target === 'RUNNING') this.clearBreachesStmt.run(height, target);
        for (const id of breaches) this.approveBreachStmt.run(height, target, id);
      },
    );
  }

  /** Current applied state (height 0 RUNNING when nothing was applied). */
  get(): AppliedState {
    const r = this.getStmt.get();
    if (r === undefined) return { height: 0, state: 'RUNNING', since: null, certificateHash: null };
    return {
      height: r.height,
      state: levelOf(r.state),
      since: r.since,
      certificateHash: r.certificate_hash === null ? null : new Uint8Array(r.certificate_hash),
    };
  }

  /** Record a new applied state (call inside the transaction that applies the certificate). */
  set(s: AppliedState): void {
    this.setStmt.run(s.height, s.state, s.since, s.certificateHash);
  }

  /** Durably record an operator approval and the breach ids it names (one fsynced transaction). */
  approve(height: number, target: PauseTarget, breaches: readonly Uint8Array[], now: number): void {
    this.approveTx(height, target, breaches, now);
  }

  /** Approvals for heights above `height`, with the breach ids each names. */
  approvalsAbove(height: number): ApprovalRecord[] {
    return this.approvalsStmt.all(height).map((r) => ({
      height: r.height,
      target: levelOf(r.target),
      at: r.at,
      breaches: this.approvalBreachesStmt.all(r.height, r.target).map((b) => new Uint8Array(b.breach_id)),
    }));
  }
}
