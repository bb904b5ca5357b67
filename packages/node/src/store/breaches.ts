import type { EvidenceKind } from '@pausenet/protocol';
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import type { BreachRepository, BreachRow } from './repositories.js';

interface Raw {
  id: Uint8Array;
  kind: string | null;
  lab: string | null;
  epoch: number | null;
  evidence_hash: Uint8Array | null;
  first_seen_at: number | null;
  acted_on_height: number | null;
  resolved_height: number | null;
}

const row = (r: Raw): BreachRow => ({
  id: new Uint8Array(r.id),
  kind: r.kind as EvidenceKind | null,
  lab: r.lab,
  epoch: r.epoch,
  evidenceHash: r.evidence_hash === null ? null : new Uint8Array(r.evidence_hash),
  firstSeenAt: r.first_seen_at,
  actedOnHeight: r.acted_on_height,
  resolvedHeight: r.resolved_height,
});

/** The node's breaches on SQLite (table breaches, migration 3). */
export class SqliteBreaches implements BreachRepository {
  private readonly seenStmt: Statement<unknown[]>;
  private readonly getStmt: Statement<[Uint8Array], Raw>;
  private readonly openStmt: Statement<[number], Raw>;
  private readonly openForResumeStmt: Statement<[number], Raw>;
  private readonly resolvedStmt: Statement<[], { id: Uint8Array; resolved_height: number }>;
  private readonly actStmt: Statement<[number]>;
  private readonly resolveStmt: Statement<[Uint8Array, number]>;
  private readonly countsStmt: Statement<[], { open: number; resolved: number }>;

  constructor(database: SqliteDatabase) {
    const db = database.connection;
    this.seenStmt = db.prepare(
      `INSERT INTO breaches (id, kind, lab, epoch, evidence_hash, first_seen_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, lab = excluded.lab, epoch = excluded.epoch,
         evidence_hash = excluded.evidence_hash, first_seen_at = excluded.first_seen_at
       WHERE breaches.kind IS NULL`,
    );
    this.getStmt = db.prepare('SELECT * FROM breaches WHERE id = ?');
    this.openStmt = db.prepare(
      'SELECT * FROM breaches WHERE resolved_height IS NULL AND kind IS NOT NULL ORDER BY first_seen_at, id LIMIT ?',
    );
    // What a default resume resolves first: the breaches a pause acted on, then the oldest.
    this.openForResumeStmt = db.prepare(
      `SELECT * FROM breaches WHERE resolved_height IS NULL AND kind IS NOT NULL
       ORDER BY acted_on_height IS NULL, first_seen_at, id LIMIT ?`,
    );
    this.resolvedStmt = db.prepare(
      'SELECT id, resolved_height FROM breaches WHERE resolved_height IS NOT NULL ORDER BY resolved_height',
    );
    this.actStmt = db.prepare(
      'UPDATE breaches SET acted_on_height = ? WHERE resolved_height IS NULL AND acted_on_height IS NULL AND kind IS NOT NULL',
    );
    this.resolveStmt = db.prepare(
      `INSERT INTO breaches (id, resolved_height) VALUES (?, ?)
       ON CONFLICT (id) DO UPDATE SET resolved_height = COALESCE(breaches.resolved_height, excluded.resolved_height)`,
    );
    this.countsStmt = db.prepare(
      `SELECT COALESCE(SUM(resolved_height IS NULL AND kind IS NOT NULL), 0) AS open,
              COALESCE(SUM(resolved_height IS NOT NULL), 0) AS resolved FROM breaches`,
    );
  }

  /** Record a breach proven by stored evidence (no-op when the breach is already known with its evidence). */
  seen(b: {
    id: Uint8Array;
    kind: EvidenceKind;
    lab: string;
    epoch: number;
    evidenceHash: Uint8Array;
    firstSeenAt: number;
  }): void {
    this.seenStmt.run(b.id, b.kind, b.lab, b.epoch, b.evidenceHash, b.firstSeenAt);
  }

  get(id: Uint8Array): BreachRow | undefined {
    const r = this.getStmt.get(id);
    return r === undefined ? undefined : row(r);
  }

  /** Open breaches (known evidence, not resolved), oldest first. */
  open(limit = 1_000_000): BreachRow[] {
    return this.openStmt.all(limit).map(row);
  }

  /** Open breaches in the order a default resume resolves them: acted on by a pause first, then oldest. */
  openForResume(limit: number): BreachRow[] {
    return this.openForResumeStmt.all(limit).map(row);
  }

  /** Every breach id a certified resume resolved, with its height. */
  resolved(): { id: Uint8Array; height: number }[] {
    return this.resolvedStmt.all().map((r) => ({ id: new Uint8Array(r.id), height: r.resolved_height }));
  }

  /** A pause certificate at `height` acts on every breach open now (call inside the apply transaction). */
  actOn(height: number): void {
    this.actStmt.run(height);
  }

  /** A resume certificate at `height` resolves `ids` (call inside the apply transaction). */
  resolve(ids: readonly Uint8Array[], height: number): void {
    for (const id of ids) this.resolveStmt.run(id, height);
  }

  counts(): { open: number; resolved: number } {
    return this.countsStmt.get() ?? { open: 0, resolved: 0 };
  }
}
