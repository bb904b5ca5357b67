import type { SqliteDatabase } from './database.js';
import type { CertificateRepository, CertificateRow, InsertResult } from './repositories.js';

interface Raw {
  height: number;
  hash: Uint8Array;
  bytes: Uint8Array;
  received_at: number;
}

const row = (x: Raw): CertificateRow => ({
  height: x.height,
  hash: new Uint8Array(x.hash),
  bytes: new Uint8Array(x.bytes),
  receivedAt: x.received_at,
});

/** Certificates on SQLite (table certificates, migration 1). */
export class SqliteCertificates implements CertificateRepository {
  constructor(private readonly db: SqliteDatabase) {}

  insert(r: CertificateRow): InsertResult {
    return this.db.atomic(() => {
      const existing = this.db.sql('SELECT hash FROM certificates WHERE height = ?').get(r.height) as
        | { hash: Uint8Array }
        | undefined;
      if (existing) return Buffer.from(existing.hash).equals(r.hash) ? 'duplicate' : 'conflict';
      this.db
        .sql('INSERT INTO certificates (height, hash, bytes, received_at) VALUES (?, ?, ?, ?)')
        .run(r.height, r.hash, r.bytes, r.receivedAt);
      return 'inserted';
    });
  }

  get(height: number): CertificateRow | undefined {
    const r = this.db.sql('SELECT * FROM certificates WHERE height = ?').get(height);
    return r ? row(r as Raw) : undefined;
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
        .sql('SELECT * FROM certificates WHERE height >= ? AND height <= ? ORDER BY height LIMIT ?')
        .all(fromHeight, toHeight, limit) as Raw[]
    ).map(row);
  }
}
