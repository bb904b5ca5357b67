import type { HookStateStore } from '@pausenet/hooks';
import { SqliteApprovals } from './approvals.js';
import { SqliteBreaches } from './breaches.js';
import { SqliteCertificates } from './certificates.js';
import { SqliteCommitments } from './commitments.js';
import { SqliteDatabase, type StoreOpenOptions } from './database.js';
import { SqliteEvidence } from './evidence.js';
import { SqliteHookJournal, SqliteHookStateStore } from './hook-journal.js';
import { SqliteMeta } from './meta.js';
import { SqlitePauseState } from './pause-state.js';
import { SqlitePeers } from './peers.js';
import type { NodeStore } from './repositories.js';
import { SqliteNodeRuns } from './runs.js';
import { SqliteSignedHeights } from './signed-heights.js';
import { SqliteVotes } from './votes.js';

export type { StoreOpenOptions } from './database.js';
export type {
  CertificateRow,
  ChainHead,
  CommitmentRow,
  EvidenceRow,
  InsertResult,
  PeerRow,
  VoteRow,
} from './repositories.js';

/**
 * The node's durable store: one SQLite file (WAL, synchronous=FULL) per data dir, opened by
 * SqliteDatabase, read and written through one repository per table group.
 */
export class Store implements NodeStore {
  readonly meta: SqliteMeta;
  readonly commitments: SqliteCommitments;
  readonly evidence: SqliteEvidence;
  readonly votes: SqliteVotes;
  readonly certificates: SqliteCertificates;
  readonly breaches: SqliteBreaches;
  readonly peers: SqlitePeers;
  readonly signedHeights: SqliteSignedHeights;
  readonly pauseState: SqlitePauseState;
  readonly approvals: SqliteApprovals;
  readonly hookJournal: SqliteHookJournal;
  readonly runs: SqliteNodeRuns;

  private constructor(private readonly db: SqliteDatabase) {
    this.meta = new SqliteMeta(db);
    this.commitments = new SqliteCommitments(db);
    this.evidence = new SqliteEvidence(db);
    this.votes = new SqliteVotes(db);
    this.certificates = new SqliteCertificates(db);
    this.breaches = new SqliteBreaches(db);
    this.peers = new SqlitePeers(db);
    this.signedHeights = new SqliteSignedHeights(db);
    this.pauseState = new SqlitePauseState(db);
    this.approvals = new SqliteApprovals(db);
    this.hookJournal = new SqliteHookJournal(db);
    this.runs = new SqliteNodeRuns(db);
  }

  /**
   * Open (or create) `<dataDir>/pausenet.db`: takes the data-dir lock, checks integrity, applies migrations
   * (see SqliteDatabase.open).
   */
  static open(dataDir: string, opts: StoreOpenOptions = {}): Store {
    return new Store(SqliteDatabase.open(dataDir, opts));
  }

  get file(): string {
    return this.db.file;
  }

  get isOpen(): boolean {
    return this.db.isOpen;
  }

  /** Close the database and release the lock (idempotent). */
  close(): void {
    this.db.close();
  }

  hookState(hookName: string): HookStateStore {
    return new SqliteHookStateStore(this.db, hookName);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn);
  }

  relaxed<T>(fn: () => T): T {
    return this.db.relaxed(fn);
  }

  /** Schema version (number of applied migrations). */
  schemaVersion(): number {
    return this.db.pragma('user_version') as number;
  }

  /** A read-only pragma's value (diagnostics: journal_mode, synchronous, integrity_check). */
  pragma(name: 'journal_mode' | 'synchronous' | 'integrity_check'): unknown {
    return this.db.pragma(name);
  }

  /** Names of the schema's tables. */
  tables(): string[] {
    return this.db.tables();
  }

  /** Move the WAL into the main file (tests that truncate or corrupt the file do this first). */
  checkpoint(): void {
    this.db.checkpoint();
  }

  /** Database + WAL size in bytes. */
  sizeBytes(): number {
    return this.db.sizeBytes();
  }

  /** Online, consistent copy of the database to `dest` (safe while the node runs). */
  async backup(dest: string): Promise<void> {
    await this.db.backup(dest);
  }
}
