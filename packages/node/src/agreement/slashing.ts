import type { PauseState } from '@pausenet/protocol';
import type Database from 'better-sqlite3';

/** Outcome of asking the slashing-protection DB to sign at a height. */
export type SignOnceResult =
  /** Nothing was signed at this height before: `sign()` ran and its bytes are now durable. */
  | { kind: 'new'; vote: Uint8Array }
  /** The same statement was signed before: these are the stored bytes (never re-signed). */
  | { kind: 'same'; vote: Uint8Array }
  /** A different statement was signed at this height: refused. */
  | { kind: 'conflict'; signedTarget: PauseState };

interface SignedRow {
  height: number;
  target: string;
  statement: Uint8Array;
  vote: Uint8Array;
  at: number;
}

/** A stored level name (pause_state, signed_heights). */
export function levelOf(s: string): PauseState {
  return s === 'PAUSED' || s === 'REDUCED' ? s : 'RUNNING';
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Slashing protection (EIP-3076 spirit): at most one signed statement per height, recorded durably
 * (SQLite, synchronous=FULL) BEFORE the vote leaves the process.
 */
export class SlashingProtection {
  private readonly getStmt: Database.Statement<[number], SignedRow>;
  private readonly allStmt: Database.Statement<[], { height: number; target: string; vote: Uint8Array }>;
  private readonly insertStmt: Database.Statement<[number, string, Uint8Array, Uint8Array, number]>;
  private readonly signOnceTx: (
    height: number,
    target: PauseState,
    statement: Uint8Array,
    sign: () => Uint8Array,
    now: number,
  ) => SignOnceResult;

  constructor(private readonly db: Database.Database) {
    this.getStmt = db.prepare(
      'SELECT height, target, statement, vote, at FROM signed_heights WHERE height = ?',
    );
    this.allStmt = db.prepare('SELECT height, target, vote FROM signed_heights ORDER BY height');
    this.insertStmt = db.prepare(
      'INSERT INTO signed_heights (height, target, statement, vote, at) VALUES (?, ?, ?, ?, ?)',
    );
    // IMMEDIATE: take the write lock before reading, so two writers can never both see "nothing signed".
    this.signOnceTx = db.transaction(
      (height: number, target: PauseState, statement: Uint8Array, sign: () => Uint8Array, now: number) => {
        const row = this.getStmt.get(height);
        if (row !== undefined) {
          if (row.target === target && equalBytes(row.statement, statement))
            return { kind: 'same', vote: new Uint8Array(row.vote) } as const;
          return { kind: 'conflict', signedTarget: levelOf(row.target) } as const;
        }
        const vote = sign();
        this.insertStmt.run(height, target, statement, vote, now);
        return { kind: 'new', vote } as const;
      },
    ).immediate;
  }

  /**
   * Signs (via `sign`) only if nothing or the same statement was signed at `height`; the check and
   * the insert are one IMMEDIATE transaction, committed (fsynced) before this returns.
   */
  signOnce(
    height: number,
    target: PauseState,
    statement: Uint8Array,
    sign: () => Uint8Array,
    now: number,
  ): SignOnceResult {
    // Nested, it would be a savepoint whose durability is the outer transaction's (maybe a relaxed one).
    if (this.db.inTransaction)
      throw new Error(
        'slashing protection must commit (fsync) on its own: signOnce ran inside a transaction',
      );
    return this.signOnceTx(height, target, statement, sign, now);
  }

  /** Every vote this member signed (its bytes carry the statement: target, step, resolves), ascending height. */
  all(): { height: number; target: PauseState; vote: Uint8Array }[] {
    return this.allStmt
      .all()
      .map((r) => ({ height: r.height, target: levelOf(r.target), vote: new Uint8Array(r.vote) }));
  }

  /** The vote bytes stored for a height, if this member signed there. */
  signedAt(height: number): { target: PauseState; statement: Uint8Array; vote: Uint8Array } | undefined {
    const row = this.getStmt.get(height);
    if (row === undefined) return undefined;
    return {
      target: levelOf(row.target),
      statement: new Uint8Array(row.statement),
      vote: new Uint8Array(row.vote),
    };
  }
}
