import type { PauseState } from '@pausenet/protocol';
import type { SqliteDatabase } from './database.js';
import type { SignedHeightRepository, SignOnceResult } from './repositories.js';

interface SignedRow {
  height: number;
  target: string;
  statement: Uint8Array;
  vote: Uint8Array;
  at: number;
}

/** A stored level name (pause_state, signed_heights, approvals). */
export function levelOf(s: string): PauseState {
  return s === 'PAUSED' || s === 'REDUCED' ? s : 'RUNNING';
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Slashing protection on SQLite (table signed_heights, migration 2; synchronous=FULL). */
export class SqliteSignedHeights implements SignedHeightRepository {
  private readonly signOnceTx: (
    height: number,
    target: PauseState,
    statement: Uint8Array,
    sign: () => Uint8Array,
    now: number,
  ) => SignOnceResult;

  constructor(private readonly db: SqliteDatabase) {
    // IMMEDIATE: take the write lock before reading, so two writers can never both see "nothing signed".
    this.signOnceTx = db.connection.transaction(
      (height: number, target: PauseState, statement: Uint8Array, sign: () => Uint8Array, now: number) => {
        const row = this.row(height);
        if (row !== undefined) {
          if (row.target === target && equalBytes(row.statement, statement))
            return { kind: 'same', vote: new Uint8Array(row.vote) } as const;
          return { kind: 'conflict', signedTarget: levelOf(row.target) } as const;
        }
        const vote = sign();
        this.db
          .sql('INSERT INTO signed_heights (height, target, statement, vote, at) VALUES (?, ?, ?, ?, ?)')
          .run(height, target, statement, vote, now);
        return { kind: 'new', vote } as const;
      },
    ).immediate;
  }

  private row(height: number): SignedRow | undefined {
    return this.db
      .sql('SELECT height, target, statement, vote, at FROM signed_heights WHERE height = ?')
      .get(height) as SignedRow | undefined;
  }

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

  all(): { height: number; target: PauseState; vote: Uint8Array }[] {
    return (
      this.db.sql('SELECT height, target, vote FROM signed_heights ORDER BY height').all() as {
        height: number;
        target: string;
        vote: Uint8Array;
      }[]
    ).map((r) => ({ height: r.height, target: levelOf(r.target), vote: new Uint8Array(r.vote) }));
  }

  signedAt(height: number): { target: PauseState; statement: Uint8Array; vote: Uint8Array } | undefined {
    const row = this.row(height);
    if (row === undefined) return undefined;
    return {
      target: levelOf(row.target),
      statement: new Uint8Array(row.statement),
      vote: new Uint8Array(row.vote),
    };
  }
}
