import type { HookAction, HookJournalEntry, HookStateStore } from '@pausenet/hooks';
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import type { HookJournalRepository } from './repositories.js';

interface JournalRow {
  certificate_hash: string;
  hook_name: string;
  height: number;
  action: string;
  status: string;
  attempts: number;
  last_error: string | null;
  updated_at: number;
  reasserts: number;
}

function toEntry(r: JournalRow): HookJournalEntry {
  return {
    certificateHash: r.certificate_hash,
    hookName: r.hook_name,
    height: r.height,
    action: r.action === 'halt' || r.action === 'reduce' ? r.action : 'resume',
    status: r.status === 'ok' ? 'ok' : r.status === 'failed' ? 'failed' : 'pending',
    attempts: r.attempts,
    lastError: r.last_error,
    updatedAt: r.updated_at,
    reasserts: r.reasserts,
  };
}

/**
 * Hook journal on the node's SQLite store (table hook_journal, migration 2). The 'pending' rows of a
 * certificate are fsynced by the transaction that applies it (recordPending); progress marks (attempt,
 * ok, failed) are relaxed commits: a killed process loses none of them, a power loss may lose the last
 * ones, and then an idempotent hook simply runs again (at-least-once).
 */
export class SqliteHookJournal implements HookJournalRepository {
  private readonly getStmt: Database.Statement<[string, string], JournalRow>;
  private readonly putStmt: Database.Statement<unknown[]>;
  private readonly insertStmt: Database.Statement<unknown[]>;
  private readonly unfinishedStmt: Database.Statement<[], JournalRow>;
  private readonly listStmt: Database.Statement<[number], JournalRow>;
  private readonly byCertStmt: Database.Statement<[string], JournalRow>;

  private readonly write: <T>(fn: () => T) => T;

  constructor(database: SqliteDatabase) {
    const db = database.connection;
    this.write = (fn) => database.relaxed(fn);
    this.getStmt = db.prepare('SELECT * FROM hook_journal WHERE certificate_hash = ? AND hook_name = ?');
    this.putStmt = db.prepare(
      `INSERT INTO hook_journal (certificate_hash, hook_name, height, action, status, attempts, last_error, updated_at, reasserts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (certificate_hash, hook_name) DO UPDATE SET height = excluded.height, action = excluded.action,
         status = excluded.status, attempts = excluded.attempts, last_error = excluded.last_error,
         updated_at = excluded.updated_at, reasserts = excluded.reasserts`,
    );
    this.insertStmt = db.prepare(
      `INSERT OR IGNORE INTO hook_journal (certificate_hash, hook_name, height, action, status, attempts, last_error, updated_at)
       VALUES (?, ?, ?, ?, 'pending', 0, NULL, ?)`,
    );
    this.unfinishedStmt = db.prepare(
      "SELECT * FROM hook_journal WHERE status <> 'ok' ORDER BY height, hook_name",
    );
    this.listStmt = db.prepare('SELECT * FROM hook_journal ORDER BY height DESC, hook_name LIMIT ?');
    this.byCertStmt = db.prepare('SELECT * FROM hook_journal WHERE certificate_hash = ? ORDER BY hook_name');
  }

  async get(certificateHash: string, hookName: string): Promise<HookJournalEntry | undefined> {
    const row = this.getStmt.get(certificateHash, hookName);
    return row === undefined ? undefined : toEntry(row);
  }

  async put(e: HookJournalEntry): Promise<void> {
    this.write(() =>
      this.putStmt.run(
        e.certificateHash,
        e.hookName,
        e.height,
        e.action,
        e.status,
        e.attempts,
        e.lastError,
        e.updatedAt,
        e.reasserts ?? 0,
      ),
    );
  }

  async listUnfinished(): Promise<HookJournalEntry[]> {
    return this.unfinishedStmt.all().map(toEntry);
  }

  async list(opts: { limit?: number } = {}): Promise<HookJournalEntry[]> {
    return this.listStmt.all(opts.limit ?? 1000).map(toEntry);
  }

  /** Rows for one certificate, synchronously (status API, restart). */
  entriesFor(certificateHash: string): HookJournalEntry[] {
    return this.byCertStmt.all(certificateHash).map(toEntry);
  }

  /** Latest rows, synchronously (status API). */
  latest(limit: number): HookJournalEntry[] {
    return this.listStmt.all(limit).map(toEntry);
  }

  /**
   * Records 'pending' rows for every hook of a certificate; synchronous so the caller can run it
   * inside the same SQLite transaction that applies the certificate. Existing rows are kept.
   */
  recordPending(
    cert: { certificateHash: string; height: number; action: HookAction },
    hookNames: readonly string[],
    now: number,
  ): void {
    for (const name of hookNames)
      this.insertStmt.run(cert.certificateHash, name, cert.height, cert.action, now);
  }
}

/** Durable per-hook key/value store (table hook_state, migration 2); values are JSON. */
export class SqliteHookStateStore implements HookStateStore {
  private readonly getStmt: Database.Statement<[string, string], { value: string }>;
  private readonly setStmt: Database.Statement<[string, string, string]>;
  private readonly delStmt: Database.Statement<[string, string]>;
  private readonly keysStmt: Database.Statement<[string], { key: string }>;

  constructor(
    database: SqliteDatabase,
    private readonly hookName: string,
  ) {
    const db = database.connection;
    this.getStmt = db.prepare('SELECT value FROM hook_state WHERE hook_name = ? AND key = ?');
    this.setStmt = db.prepare(
      'INSERT INTO hook_state (hook_name, key, value) VALUES (?, ?, ?) ON CONFLICT (hook_name, key) DO UPDATE SET value = excluded.value',
    );
    this.delStmt = db.prepare('DELETE FROM hook_state WHERE hook_name = ? AND key = ?');
    this.keysStmt = db.prepare('SELECT key FROM hook_state WHERE hook_name = ? ORDER BY key');
  }

  async get(key: string): Promise<unknown | undefined> {
    const row = this.getStmt.get(this.hookName, key);
    return row === undefined ? undefined : JSON.parse(row.value);
  }

  async set(key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`hook state value for ${key} is not JSON-serialisable`);
    this.setStmt.run(this.hookName, key, text);
  }

  async delete(key: string): Promise<void> {
    this.delStmt.run(this.hookName, key);
  }

  async keys(prefix = ''): Promise<string[]> {
    return this.keysStmt
      .all(this.hookName)
      .map((r) => r.key)
      .filter((k) => k.startsWith(prefix));
  }
}
