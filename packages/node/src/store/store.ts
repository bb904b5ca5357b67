import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import DatabaseCtor, { type Database, type Statement } from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { BreachTable } from './breaches.js';
import { DirLock } from './lock.js';
import { migrations as defaultMigrations, type Migration } from './migrations.js';
import { NodeRuns } from './runs.js';

/**
 * Every message row's `receivedAt` is the node's own first-seen time (its clock when it first stored the
 * message); a later copy of the same message never changes it (docs/protocol.md "First seen").
 */
export interface CommitmentRow {
  lab: string;
  seq: number;
  epoch: number;
  hash: Uint8Array;
  bytes: Uint8Array;
  receivedAt: number;
}
export interface EvidenceRow {
  hash: Uint8Array;
  kind: string;
  bytes: Uint8Array;
  receivedAt: number;
  /** The breach it proves (breachIdOf), its reporter and the epoch it is about (migration 3). */
  breachId?: Uint8Array;
  reporter?: string;
  epoch?: number;
}
export interface VoteRow {
  height: number;
  target: string;
  voter: string;
  bytes: Uint8Array;
  receivedAt: number;
}
export interface CertificateRow {
  height: number;
  hash: Uint8Array;
  bytes: Uint8Array;
  receivedAt: number;
}
export interface PeerRow {
  peerId: string;
  lab: string | null;
  addrs: string[];
  lastSeen: number;
}
export interface ChainHead {
  lab: string;
  seq: number;
  hash: Uint8Array;
}

/** Outcome of an insert: new, already present (same bytes), or a different message in the same slot. */
export type InsertResult = 'inserted' | 'duplicate' | 'conflict';

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

/** The node's durable store: one SQLite file (WAL, synchronous=FULL) per data dir. */
export class Store {
  private readonly lock: DirLock | null;
  private closed = false;
  /** Breaches by id (migration 3). */
  readonly breaches: BreachTable;
  /** When this node was up (migration 3). */
  readonly runs: NodeRuns;

  private constructor(
    /** The underlying connection: the agreement may prepare its own statements on its migration-2 tables. */
    readonly db: Database,
    readonly file: string,
    lock: DirLock | null,
  ) {
    this.lock = lock;
    this.breaches = new BreachTable(db);
    this.runs = new NodeRuns(db);
  }

  /**
   * Open (or create) `<dataDir>/pausenet.db`: takes the data-dir lock, checks integrity, applies migrations.
   * A new database is built in a temp file and renamed, so an empty/partial pausenet.db always means damage.
   */
  static open(dataDir: string, opts: StoreOpenOptions = {}): Store {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = join(dataDir, 'pausenet.db');
    const lock = opts.lock === false ? null : DirLock.acquire(join(dataDir, 'pausenet.lock'));
    try {
      const list = opts.migrations ?? defaultMigrations;
      if (!existsSync(file)) Store.create(file, list);
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
      return new Store(db, file, lock);
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
      this.db.close();
    } finally {
      this.lock?.release();
    }
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Prepared statements by SQL text (prepare costs more than most of the queries here). */
  private readonly statements = new Map<string, Statement>();
  private relaxedDepth = 0;

  private sql(text: string): Statement {
    let st = this.statements.get(text);
    if (st === undefined) {
      st = this.db.prepare(text);
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
    return this.db.transaction(fn).immediate();
  }

  /** One transaction with the durability of the caller (a statement group that must not be torn). */
  private atomic<T>(fn: () => T): T {
    return this.db.inTransaction ? this.db.transaction(fn)() : this.db.transaction(fn).immediate();
  }

  /**
   * Run `fn` in one IMMEDIATE transaction committed to the WAL without an fsync (synchronous=NORMAL): on
   * disk as soon as this returns, so a killed process loses nothing; after a power loss the commits since
   * the last fsync may be missing, and the file is still consistent (WAL commits are a prefix, and the next
   * durable commit fsyncs every earlier one). For copies of other nodes' signed messages, which sync
   * fetches again (docs/protocol.md "Durability"). Inside another transaction it simply joins it.
   */
  relaxed<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.sql('PRAGMA synchronous = NORMAL').run();
    this.relaxedDepth++;
    try {
      return this.db.transaction(fn).immediate();
    } finally {
      this.relaxedDepth--;
      this.sql('PRAGMA synchronous = FULL').run();
    }
  }

  /** Schema version (number of applied migrations). */
  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
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
    await this.db.backup(dest);
  }

  // ---- meta

  getMeta(key: string): string | undefined {
    const row = this.sql('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.sql(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }

  // ---- commitments

  /** Insert a commitment at (lab, seq); same hash -> duplicate, different hash at that slot -> conflict. */
  insertCommitment(row: CommitmentRow): InsertResult {
    return this.atomic(() => {
      const existing = this.sql('SELECT hash FROM commitments WHERE lab = ? AND seq = ?').get(
        row.lab,
        row.seq,
      ) as { hash: Uint8Array } | undefined;
      if (existing) return Buffer.from(existing.hash).equals(row.hash) ? 'duplicate' : 'conflict';
      if (this.sql('SELECT 1 FROM commitments WHERE hash = ?').get(row.hash)) return 'duplicate';
      this.sql(
        'INSERT INTO commitments (lab, seq, epoch, hash, bytes, received_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(row.lab, row.seq, row.epoch, row.hash, row.bytes, row.receivedAt);
      return 'inserted';
    });
  }

  /** The head (highest seq) of a lab's chain. */
  lastCommitment(lab: string): CommitmentRow | undefined {
    const r = this.sql('SELECT * FROM commitments WHERE lab = ? ORDER BY seq DESC LIMIT 1').get(lab);
    return r ? commitmentRow(r) : undefined;
  }

  getCommitment(lab: string, seq: number): CommitmentRow | undefined {
    const r = this.sql('SELECT * FROM commitments WHERE lab = ? AND seq = ?').get(lab, seq);
    return r ? commitmentRow(r) : undefined;
  }

  getCommitmentByHash(hash: Uint8Array): CommitmentRow | undefined {
    const r = this.sql('SELECT * FROM commitments WHERE hash = ?').get(hash);
    return r ? commitmentRow(r) : undefined;
  }

  /** Commitments of `lab` with fromSeq <= seq <= toSeq, ascending, at most `limit`. */
  commitmentsRange(lab: string, fromSeq: number, toSeq: number, limit: number): CommitmentRow[] {
    return this.sql('SELECT * FROM commitments WHERE lab = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT ?')
      .all(lab, fromSeq, toSeq, limit)
      .map(commitmentRow);
  }

  /** Commitments of `lab` (or all labs) with fromEpoch <= epoch <= toEpoch, ordered by lab, seq. */
  commitmentsByEpoch(
    lab: string | undefined,
    fromEpoch: number,
    toEpoch: number,
    limit: number,
  ): CommitmentRow[] {
    const sql = lab
      ? 'SELECT * FROM commitments WHERE lab = ? AND epoch >= ? AND epoch <= ? ORDER BY lab, seq LIMIT ?'
      : 'SELECT * FROM commitments WHERE epoch >= ? AND epoch <= ? ORDER BY lab, seq LIMIT ?';
    const args = lab ? [lab, fromEpoch, toEpoch, limit] : [fromEpoch, toEpoch, limit];
    return this.sql(sql)
      .all(...args)
      .map(commitmentRow);
  }

  /** Head of every lab's chain. */
  chainHeads(): ChainHead[] {
    const rows = this.sql(
      'SELECT lab, seq, hash FROM commitments c WHERE seq = (SELECT MAX(seq) FROM commitments WHERE lab = c.lab) ORDER BY lab',
    ).all() as { lab: string; seq: number; hash: Uint8Array }[];
    return rows.map((r) => ({ lab: r.lab, seq: r.seq, hash: new Uint8Array(r.hash) }));
  }

  countCommitments(lab?: string): number {
    const r = (
      lab
        ? this.sql('SELECT COUNT(*) AS n FROM commitments WHERE lab = ?').get(lab)
        : this.sql('SELECT COUNT(*) AS n FROM commitments').get()
    ) as { n: number };
    return r.n;
  }

  // ---- evidence

  /** Insert evidence keyed by its hash; false if already present (its first-seen time is kept). */
  insertEvidence(row: EvidenceRow): boolean {
    const r = this.sql(
      `INSERT INTO evidence (hash, kind, bytes, received_at, breach_id, reporter, epoch) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(hash) DO NOTHING`,
    ).run(
      row.hash,
      row.kind,
      row.bytes,
      row.receivedAt,
      row.breachId ?? null,
      row.reporter ?? null,
      row.epoch ?? null,
    );
    return r.changes === 1;
  }

  /** Whether `reporter` already has evidence for breach `breachId` stored. */
  hasEvidenceFor(breachId: Uint8Array, reporter: string): boolean {
    return (
      this.sql('SELECT 1 FROM evidence WHERE breach_id = ? AND reporter = ? LIMIT 1').get(
        breachId,
        reporter,
      ) !== undefined
    );
  }

  /** Judged evidence (missed, report) stored from `reporter` about `epoch`. */
  countJudgedEvidence(reporter: string, epoch: number): number {
    return (
      this.sql(
        "SELECT COUNT(*) AS n FROM evidence WHERE reporter = ? AND epoch = ? AND kind IN ('missed', 'report')",
      ).get(reporter, epoch) as { n: number }
    ).n;
  }

  countEvidence(): number {
    return (this.sql('SELECT COUNT(*) AS n FROM evidence').get() as { n: number }).n;
  }

  countVotes(height: number): number {
    return (this.sql('SELECT COUNT(*) AS n FROM votes WHERE height = ?').get(height) as { n: number }).n;
  }

  hasEvidence(hash: Uint8Array): boolean {
    return this.sql('SELECT 1 FROM evidence WHERE hash = ?').get(hash) !== undefined;
  }

  /** All evidence, oldest first, at most `limit`. */
  listEvidence(limit = 1000, offset = 0): EvidenceRow[] {
    return this.sql('SELECT * FROM evidence ORDER BY received_at, hash LIMIT ? OFFSET ?')
      .all(limit, offset)
      .map((r) => {
        const x = r as {
          hash: Uint8Array;
          kind: string;
          bytes: Uint8Array;
          received_at: number;
          breach_id: Uint8Array | null;
          reporter: string | null;
          epoch: number | null;
        };
        return {
          hash: new Uint8Array(x.hash),
          kind: x.kind,
          bytes: new Uint8Array(x.bytes),
          receivedAt: x.received_at,
          ...(x.breach_id !== null ? { breachId: new Uint8Array(x.breach_id) } : {}),
          ...(x.reporter !== null ? { reporter: x.reporter } : {}),
          ...(x.epoch !== null ? { epoch: x.epoch } : {}),
        };
      });
  }

  // ---- votes

  /** Insert a vote; false if (height, target, voter) already present. */
  insertVote(row: VoteRow): boolean {
    const r = this.sql(
      'INSERT INTO votes (height, target, voter, bytes, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(row.height, row.target, row.voter, row.bytes, row.receivedAt);
    return r.changes === 1;
  }

  hasVote(height: number, target: string, voter: string): boolean {
    return (
      this.sql('SELECT 1 FROM votes WHERE height = ? AND target = ? AND voter = ?').get(
        height,
        target,
        voter,
      ) !== undefined
    );
  }

  /** Votes with fromHeight <= height <= toHeight, at most `limit`. */
  votesRange(fromHeight: number, toHeight: number, limit: number): VoteRow[] {
    return this.sql(
      'SELECT * FROM votes WHERE height >= ? AND height <= ? ORDER BY height, target, voter LIMIT ?',
    )
      .all(fromHeight, toHeight, limit)
      .map((r) => {
        const x = r as {
          height: number;
          target: string;
          voter: string;
          bytes: Uint8Array;
          received_at: number;
        };
        return {
          height: x.height,
          target: x.target,
          voter: x.voter,
          bytes: new Uint8Array(x.bytes),
          receivedAt: x.received_at,
        };
      });
  }

  // ---- certificates

  /** Insert the certificate for its height; a different certificate at the same height -> conflict. */
  insertCertificate(row: CertificateRow): InsertResult {
    return this.atomic(() => {
      const existing = this.sql('SELECT hash FROM certificates WHERE height = ?').get(row.height) as
        | { hash: Uint8Array }
        | undefined;
      if (existing) return Buffer.from(existing.hash).equals(row.hash) ? 'duplicate' : 'conflict';
      this.sql('INSERT INTO certificates (height, hash, bytes, received_at) VALUES (?, ?, ?, ?)').run(
        row.height,
        row.hash,
        row.bytes,
        row.receivedAt,
      );
      return 'inserted';
    });
  }

  getCertificate(height: number): CertificateRow | undefined {
    const r = this.sql('SELECT * FROM certificates WHERE height = ?').get(height);
    return r ? certificateRow(r) : undefined;
  }

  /** Highest certified height (0 if none). */
  certifiedHeight(): number {
    const r = this.sql('SELECT MAX(height) AS h FROM certificates').get() as { h: number | null };
    return r.h ?? 0;
  }

  certificatesRange(fromHeight: number, toHeight: number, limit: number): CertificateRow[] {
    return this.sql('SELECT * FROM certificates WHERE height >= ? AND height <= ? ORDER BY height LIMIT ?')
      .all(fromHeight, toHeight, limit)
      .map(certificateRow);
  }

  // ---- peers

  upsertPeer(row: PeerRow): void {
    this.sql(
      `INSERT INTO peers (peer_id, lab, addrs, last_seen) VALUES (?, ?, ?, ?)
         ON CONFLICT(peer_id) DO UPDATE SET lab = excluded.lab, addrs = excluded.addrs, last_seen = excluded.last_seen`,
    ).run(row.peerId, row.lab, JSON.stringify(row.addrs), row.lastSeen);
  }

  /**
   * Keep at most `maxNonMembers` rows of non-member peers (lab IS NULL), the most recently seen; member
   * rows are never pruned. Returns how many rows were deleted (docs/protocol.md "Admission": remembered peers).
   */
  prunePeers(maxNonMembers: number): number {
    return this.sql(
      `DELETE FROM peers WHERE lab IS NULL AND peer_id NOT IN
         (SELECT peer_id FROM peers WHERE lab IS NULL ORDER BY last_seen DESC, peer_id LIMIT ?)`,
    ).run(maxNonMembers).changes;
  }

  /** Remembered peers: member rows first, then the most recently seen, at most `limit` rows. */
  listPeers(limit: number): PeerRow[] {
    return (
      this.sql('SELECT * FROM peers ORDER BY (lab IS NULL), last_seen DESC, peer_id LIMIT ?').all(limit) as {
        peer_id: string;
        lab: string | null;
        addrs: string;
        last_seen: number;
      }[]
    ).map((r) => ({
      peerId: r.peer_id,
      lab: r.lab,
      addrs: JSON.parse(r.addrs) as string[],
      lastSeen: r.last_seen,
    }));
  }
}

function commitmentRow(r: unknown): CommitmentRow {
  const x = r as {
    lab: string;
    seq: number;
    epoch: number;
    hash: Uint8Array;
    bytes: Uint8Array;
    received_at: number;
  };
  return {
    lab: x.lab,
    seq: x.seq,
    epoch: x.epoch,
    hash: new Uint8Array(x.hash),
    bytes: new Uint8Array(x.bytes),
    receivedAt: x.received_at,
  };
}

function certificateRow(r: unknown): CertificateRow {
  const x = r as { height: number; hash: Uint8Array; bytes: Uint8Array; received_at: number };
  return {
    height: x.height,
    hash: new Uint8Array(x.hash),
    bytes: new Uint8Array(x.bytes),
    receivedAt: x.received_at,
  };
}
