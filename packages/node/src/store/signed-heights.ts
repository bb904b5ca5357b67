import { checkSigning, type PauseState, type Step } from '@pausenet/protocol';
import type { SqliteDatabase } from './database.js';
import type { SignedHeightRepository, SignedRecord, SignOnceResult } from './repositories.js';

interface SignedRow {
  height: number;
  target: string;
  step: string;
  statement: Uint8Array;
  vote: Uint8Array;
}

/** A stored level name (pause_state, signed_heights, approvals). */
export function levelOf(s: string): PauseState {
  return s === 'PAUSED' || s === 'REDUCED' ? s : 'RUNNING';
}

const record = (r: SignedRow): SignedRecord => ({
  height: r.height,
  target: levelOf(r.target),
  step: r.step === 'down' ? 'down' : 'up',
  statement: new Uint8Array(r.statement),
  vote: new Uint8Array(r.vote),
});

/**
 * The signing rule over what was signed at one height (docs/protocol.md "Levels", P_NO_DOUBLE_SIGN): the
 * same statement is re-sent, else protocol checkSigning decides. Shared by the SQLite and memory stores.
 */
export function signingVerdict(
  signed: readonly SignedRecord[],
  st: { target: PauseState; step: Step; resolves: readonly Uint8Array[] },
  statement: Uint8Array,
): { kind: 'new' } | { kind: 'same'; vote: Uint8Array } | Extract<SignOnceResult, { kind: 'refused' }> {
  const same = signed.find((r) => Buffer.from(r.statement).equals(statement));
  if (same !== undefined) return { kind: 'same', vote: same.vote };
  // The statement bytes already told "same" apart, so the rule is judged on (target, step) alone; a record
  // with the same target and step is then another statement at one (height, level, step): refused.
  const check = checkSigning(
    signed.map((r) => ({ target: r.target, step: r.step, resolves: [] })),
    { target: st.target, step: st.step, resolves: [] },
  );
  if (check.kind === 'refused') return { kind: 'refused', code: check.code, detail: check.detail };
  if (check.kind === 'same')
    return st.step === 'down'
      ? {
          kind: 'refused',
          code: 'P_DOWN_NOT_FIRST',
          detail: 'a step down that resolves another set was already signed at this height',
        }
      : {
          kind: 'refused',
          code: 'P_LEVEL_ORDER',
          detail: `a step up to ${st.target} was already signed at this height`,
        };
  return { kind: 'new' };
}

/** Slashing protection on SQLite (table signed_heights: migration 2, per (height, target, step) from 4; synchronous=FULL). */
export class SqliteSignedHeights implements SignedHeightRepository {
  private readonly signOnceTx: (
    height: number,
    st: { target: PauseState; step: Step; resolves: readonly Uint8Array[] },
    statement: Uint8Array,
    sign: () => Uint8Array,
    now: number,
  ) => SignOnceResult;

  constructor(private readonly db: SqliteDatabase) {
    // IMMEDIATE: take the write lock before reading, so two writers can never both see the same record.
    this.signOnceTx = db.connection.transaction(
      (
        height: number,
        st: { target: PauseState; step: Step; resolves: readonly Uint8Array[] },
        statement: Uint8Array,
        sign: () => Uint8Array,
        now: number,
      ) => {
        const verdict = signingVerdict(this.signedAt(height), st, statement);
        if (verdict.kind !== 'new') return verdict;
        const vote = sign();
        this.db
          .sql(
            'INSERT INTO signed_heights (height, target, step, statement, vote, at) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(height, st.target, st.step, statement, vote, now);
        return { kind: 'new', vote } as const;
      },
    ).immediate;
  }

  signOnce(
    height: number,
    st: { target: PauseState; step: Step; resolves: readonly Uint8Array[] },
    statement: Uint8Array,
    sign: () => Uint8Array,
    now: number,
  ): SignOnceResult {
    // Nested, it would be a savepoint whose durability is the outer transaction's (maybe a relaxed one).
    if (this.db.inTransaction)
      throw new Error(
        'slashing protection must commit (fsync) on its own: signOnce ran inside a transaction',
      );
    return this.signOnceTx(height, st, statement, sign, now);
  }

  all(): SignedRecord[] {
    return (
      this.db
        .sql('SELECT height, target, step, statement, vote FROM signed_heights ORDER BY height, rowid')
        .all() as SignedRow[]
    ).map(record);
  }

  signedAt(height: number): SignedRecord[] {
    return (
      this.db
        .sql(
          'SELECT height, target, step, statement, vote FROM signed_heights WHERE height = ? ORDER BY rowid',
        )
        .all(height) as SignedRow[]
    ).map(record);
  }
}
