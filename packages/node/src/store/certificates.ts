import type { SqliteDatabase } from './database.js';
import type { CertificateRepository, CertificateRow, InsertResult } from './repositories.js';
import { levelOf } from './signed-heights.js';

interface Raw {
  height: number;
  target: string;
  step: string;
  hash: Uint8Array;
  bytes: Uint8Array;
  received_at: number;
}

const row = (x: Raw): CertificateRow => ({
  height: x.height,
  target: levelOf(x.target),
  step: x.step === 'down' ? 'down' : 'up',
  hash: new Uint8Array(x.hash),
  bytes: new Uint8Array(x.bytes),
  receivedAt: x.received_at,
});

/** Chain order within a height (protocol orderChain): the step down first, then steps up by ascending level. */
const CHAIN_ORDER = `height, CASE WHEN step = 'down' THEN -1 WHEN target = 'RUNNING' THEN 0
  WHEN target = 'REDUCED' THEN 1 ELSE 2 END`;

/** Certificates on SQLite (table certificates: migration 1, keyed by (height, target, step) from migration 4). */
export class SqliteCertificates implements CertificateRepository {
  constructor(private readonly db: SqliteDatabase) {}

  insert(r: CertificateRow): InsertResult {
    return this.db.atomic(() => {
      const same = this.db
        .sql('SELECT hash FROM certificates WHERE height = ? AND target = ? AND step = ?')
        .get(r.height, r.target, r.step) as { hash: Uint8Array } | undefined;
      if (same) return Buffer.from(same.hash).equals(r.hash) ? 'duplicate' : 'conflict';
      // At most one step down per height (docs/protocol.md "Levels"): another one needs a broken threshold.
      if (r.step === 'down') {
        const down = this.db
          .sql("SELECT hash FROM certificates WHERE height = ? AND step = 'down'")
          .get(r.height) as { hash: Uint8Array } | undefined;
        if (down) return 'conflict';
      }
      this.db
        .sql(
          'INSERT INTO certificates (height, target, step, hash, bytes, received_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(r.height, r.target, r.step, r.hash, r.bytes, r.receivedAt);
      return 'inserted';
    });
  }

  get(height: number): CertificateRow | undefined {
    return this.atHeight(height).at(-1);
  }

  atHeight(height: number): CertificateRow[] {
    return (
      this.db.sql(`SELECT * FROM certificates WHERE height = ? ORDER BY ${CHAIN_ORDER}`).all(height) as Raw[]
    ).map(row);
  }

  byHash(hash: Uint8Array): CertificateRow | undefined {
    const r = this.db.sql('SELECT * FROM certificates WHERE hash = ?').get(hash);
    return r ? row(r as Raw) : undefined;
  }

  height(): number {
    const r = this.db.sql('SELECT MAX(height) AS h FROM certificates').get() as { h: number | null };
    return r.h ?? 0;
  }

  range(fromHeight: number, toHeight: number, limit: number): CertificateRow[] {
    return (
      this.db
        .sql(`SELECT * FROM certificates WHERE height >= ? AND height <= ? ORDER BY ${CHAIN_ORDER} LIMIT ?`)
        .all(fromHeight, toHeight, limit) as Raw[]
    ).map(row);
  }
}
