import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import DatabaseCtor, { type Database, type Statement } from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { DirLock } from './lock.js';
import { migrations as defaultMigrations, type Migration } from './migrations.js';

export interface StoreOpenOptions {
  /** Override the migration list (tests). */
  migrations?: Migration[];
  /** Take the data-dir lock (default true). */
  lock?: boolean;
}

const WHAT_TO_DO =
  'restore the file from your latest backup (see docs/node.md "Backups"), or move it aside (e.g. `mv pausenet.db pausenet.db.corrupt`) and restart: public history re-syncs from peers, but a member loses its local slashing-protection record, so restore a backup if you can';

function isSqliteCorruption(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT');
}

function configure(db: Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
}

function applyMigrations(db: Database, list: Migration[], file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > list.length) {
    throw new StoreError(
      'UNSUPPORTED_SCHEMA',
      `${file} has schema version ${current} but this pausenet knows only ${list.length}: it was written by a newer version; upgrade pausenet`,
      file,
    );
  }
  for (const m of list.slice(current)) {
    if (m.version !== list.indexOf(m) + 1) {
      throw new StoreError(
        'MIGRATION_FAILED',
        `migration "${m.name}" has version ${m.version}, expected ${list.indexOf(m) + 1}`,
        file,
      );
    }
    try {
      db.transaction(() => {
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
      })();
    } catch (err) {
      throw new StoreError(
        'MIGRATION_FAILED',
        `migration ${m.version} (${m.name}) failed on ${file}: ${(err as Error).message}`,
        file,
        {
          cause: err,
        },
      );
    }
  }
}

/**
 * The one place that opens the node's SQLite file (WAL, synchronous=FULL): the data-dir lock, the integrity
 * check, migrations, and the two kinds of transaction. The repositories prepare their statements here; the
 * connection never leaves the store folder.
 */
export class SqliteDatabase {
  private closed = false;
  /** Prepared statements by SQL text (prepare costs more than most of the queries here). */
  private readonly statements = new Map<string, Statement>();
  private relaxedDepth = 0;

  private constructor(
    /** The connection (store folder only). */
    readonly connection: Database,
    readonly file: string,
    private readonly lock: DirLock | null,
  ) {}

  /**
   * Open (or create) `<dataDir>/pausenet.db`: takes the data-dir lock, checks integrity, applies migrations.
   * A new database is built in a temp file and renamed, so an empty/partial pausenet.db always means damage.
   */
  static open(dataDir: string, opts: StoreOpenOptions = {}): SqliteDatabase {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = join(dataDir, 'pausenet.db');
    const lock = opts.lock === false ? null : DirLock.acquire(join(dataDir, 'pausenet.lock'));
    try {
      const list = opts.migrations ?? defaultMigrations;
      if (!existsSync(file)) SqliteDatabase.create(file, list);
      const walFile = `${file}-wal`;
      if (statSync(file).size === 0 && !(existsSync(walFile) && statSync(walFile).size > 0)) {
        throw new StoreError(
          'CORRUPT',
          `store ${file} is empty (0 bytes): it was truncated; ${WHAT_TO_DO}`,
          file,
        );
      }
      let db: Database;
      try {
        db = new DatabaseCtor(file, { fileMustExist: true });
      } catch (err) {
        throw new StoreError(
          'CORRUPT',
          `cannot open store ${file}: ${(err as Error).message}; ${WHAT_TO_DO}`,
          file,
          { cause: err },
        );
      }
      try {
        configure(db);
        const check = db.pragma('quick_check', { simple: true });
        if (check !== 'ok') throw Object.assign(new Error(String(check)), { code: 'SQLITE_CORRUPT' });
        applyMigrations(db, list, file);
      } catch (err) {
        db.close();
        if (err instanceof StoreError) throw err;
        if (isSqliteCorruption(err)) {
          throw new StoreError(
            'CORRUPT',
            `store ${file} is corrupt or truncated (${(err as Error).message}); ${WHAT_TO_DO}`,
            file,
            {
              cause: err,
            },
          );
        }
        throw err;
      }
      return new SqliteDatabase(db, file, lock);
    } catch (err) {
      lock?.release();
      throw err;
    }
  }

  private static create(file: string, list: Migration[]): void {
    const tmp = join(dirname(file), `pausenet.db.init-${process.pid}`);
    rmSync(tmp, { force: true });
    const db = new DatabaseCtor(tmp);
    try {
      configure(db);
      applyMigrations(db, list, file);
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    rmSync(`${tmp}-wal`, { force: true });
    rmSync(`${tmp}-shm`, { force: true });
    renameSync(tmp, file);
  }

  /** Close the database and release the lock (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.connection.close();
    } finally {
      this.lock?.release();
    }
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  get inTransaction(): boolean {
    return this.connection.inTransaction;
  }

  /** A prepared statement, cached by its SQL text. */
  sql(text: string): Statement {
    let st = this.statements.get(text);
    if (st === undefined) {
      st = this.connection.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  /**
   * Run `fn` in one IMMEDIATE transaction, fsynced before this returns (synchronous=FULL): for what this
   * node signed, decided or acknowledged (own votes and commitments, approvals, applied certificates).
   */
  transaction<T>(fn: () => T): T {
    if (this.relaxedDepth > 0)
      throw new Error('Store.transaction() inside Store.relaxed(): the outer commit would not be fsynced');
    return this.connection.transaction(fn).immediate();
  }

  /** One transaction with the durability of the caller (a statement group that must not be torn). */
  atomic<T>(fn: () => T): T {
    return this.connection.inTransaction
      ? this.connection.transaction(fn)()
      : this.connection.transaction(fn).immediate();
  }

  /**
   * Run `fn` in one IMMEDIATE transaction committed to the WAL without an fsync (synchronous=NORMAL): on
   * disk as soon as this returns, so a killed process loses nothing; after a power loss the commits since
   * the last fsync may be missing, and the file is still consistent (WAL commits are a prefix, and the next
   * durable commit fsyncs every earlier one). For copies of other nodes' signed messages, which sync
   * fetches again (docs/protocol.md "Durability"). Inside another transaction it simply joins it.
   */
  relaxed<T>(fn: () => T): T {
    if (this.connection.inTransaction) return fn();
    this.sql('PRAGMA synchronous = NORMAL').run();
    this.relaxedDepth++;
    try {
      return this.connection.transaction(fn).immediate();
    } finally {
      this.relaxedDepth--;
      this.sql('PRAGMA synchronous = FULL').run();
    }
  }

  /** A read-only pragma's value (diagnostics and tests: journal_mode, synchronous, integrity_check). */
  pragma(name: 'journal_mode' | 'synchronous' | 'integrity_check' | 'user_version'): unknown {
    return this.connection.pragma(name, { simple: true });
  }

  /** Names of the tables in the schema. */
  tables(): string[] {
    return (
      this.sql("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all() as { name: string }[]
    ).map((r) => r.name);
  }

  /** Move the WAL's content into the main file and truncate the WAL. */
  checkpoint(): void {
    this.connection.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Database + WAL size in bytes. */
  sizeBytes(): number {
    let total = 0;
    for (const f of [this.file, `${this.file}-wal`]) {
      try {
        total += statSync(f).size;
      } catch {
        // no WAL yet
      }
    }
    return total;
  }

  /** Online, consistent copy of the database to `dest` (safe while the node runs). */
  async backup(dest: string): Promise<void> {
    await this.connection.backup(dest);
  }
}
