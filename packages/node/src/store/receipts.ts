import type { SqliteDatabase } from './database.js';
import type { ReceiptRepository, ReceiptRow } from './repositories.js';

interface Raw {
  hash: Uint8Array;
  lab: string;
  certificate_hash: Uint8Array;
  issued_at: number;
  bytes: Uint8Array;
  received_at: number;
}

const row = (x: Raw): ReceiptRow => ({
  hash: new Uint8Array(x.hash),
  lab: x.lab,
  certificateHash: new Uint8Array(x.certificate_hash),
  issuedAt: x.issued_at,
  bytes: new Uint8Array(x.bytes),
  receivedAt: x.received_at,
});

/** Signed receipts on SQLite (table receipts, migration 4; docs/protocol.md "Receipts"). */
export class SqliteReceipts implements ReceiptRepository {
  constructor(private readonly db: SqliteDatabase) {}

  insert(r: ReceiptRow): boolean {
    const res = this.db
      .sql(
        `INSERT INTO receipts (hash, lab, certificate_hash, issued_at, bytes, received_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(hash) DO NOTHING`,
      )
      .run(r.hash, r.lab, r.certificateHash, r.issuedAt, r.bytes, r.receivedAt);
    return res.changes === 1;
  }

  has(hash: Uint8Array): boolean {
    return this.db.sql('SELECT 1 FROM receipts WHERE hash = ?').get(hash) !== undefined;
  }

  stored(
    lab: string,
    certificateHash: Uint8Array,
  ): { count: number; newest?: { hash: Uint8Array; issuedAt: number } } {
    const rows = this.db
      .sql(
        'SELECT hash, issued_at FROM receipts WHERE certificate_hash = ? AND lab = ? ORDER BY issued_at DESC',
      )
      .all(certificateHash, lab) as { hash: Uint8Array; issued_at: number }[];
    const top = rows[0];
    return {
      count: rows.length,
      ...(top !== undefined ? { newest: { hash: new Uint8Array(top.hash), issuedAt: top.issued_at } } : {}),
    };
  }

  forCertificate(certificateHash: Uint8Array): ReceiptRow[] {
    return (
      this.db
        .sql('SELECT * FROM receipts WHERE certificate_hash = ? ORDER BY received_at, hash')
        .all(certificateHash) as Raw[]
    ).map(row);
  }

  count(): number {
    return (this.db.sql('SELECT COUNT(*) AS n FROM receipts').get() as { n: number }).n;
  }

  list(limit = 1000, offset = 0): ReceiptRow[] {
    return (
      this.db
        .sql('SELECT * FROM receipts ORDER BY received_at, hash LIMIT ? OFFSET ?')
        .all(limit, offset) as Raw[]
    ).map(row);
  }
}
