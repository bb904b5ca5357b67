import type { SqliteDatabase } from './database.js';
import type { AppliedState, PauseStateRepository } from './repositories.js';
import { levelOf } from './signed-heights.js';

interface StateRow {
  height: number;
  state: string;
  since: number | null;
  certificate_hash: Uint8Array | null;
}

/** The applied pause state on SQLite (table pause_state, one row; migration 2). */
export class SqlitePauseState implements PauseStateRepository {
  constructor(private readonly db: SqliteDatabase) {}

  get(): AppliedState {
    const r = this.db
      .sql('SELECT height, state, since, certificate_hash FROM pause_state WHERE id = 1')
      .get() as StateRow | undefined;
    if (r === undefined) return { height: 0, state: 'RUNNING', since: null, certificateHash: null };
    return {
      height: r.height,
      state: levelOf(r.state),
      since: r.since,
      certificateHash: r.certificate_hash === null ? null : new Uint8Array(r.certificate_hash),
    };
  }

  set(s: AppliedState): void {
    this.db
      .sql(
        `INSERT INTO pause_state (id, height, state, since, certificate_hash) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET height = excluded.height, state = excluded.state, since = excluded.since,
         certificate_hash = excluded.certificate_hash`,
      )
      .run(s.height, s.state, s.since, s.certificateHash);
  }
}
