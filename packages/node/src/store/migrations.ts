import type { Database } from 'better-sqlite3';

/** One schema step; `version` is 1-based and equals its position in `migrations`. Applied in one transaction. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

/**
 * Ordered schema migrations (PRAGMA user_version = number applied).
 * Never edit an applied migration: append a new one.
 * 1 (node engineer): meta, commitments, evidence, votes, certificates, peers.
 * 2 (agreement engineer): signed_heights, pause_state, approvals, hook_journal, hook_state.
 * 3 (core, protocol v2): breaches, evidence breach/reporter/epoch, approval_breaches, node_runs,
 *   hook_journal.reasserts. `received_at` in every message table is the node's own first-seen time.
 */
export const migrations: Migration[] = [
  {
    version: 1,
    name: 'node-core',
    up(db) {
      db.exec(`
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
        -- Per-lab hash chains: (lab, seq) is the chain position; hash is SHA-256 of the signed commitment.
        CREATE TABLE commitments (
          lab         TEXT    NOT NULL,
          seq         INTEGER NOT NULL,
          epoch       INTEGER NOT NULL,
          hash        BLOB    NOT NULL UNIQUE,
          bytes       BLOB    NOT NULL,
          received_at INTEGER NOT NULL,
          PRIMARY KEY (lab, seq)
        ) STRICT;
        CREATE INDEX commitments_lab_epoch ON commitments (lab, epoch);
        CREATE TABLE evidence (
          hash        BLOB    PRIMARY KEY,
          kind        TEXT    NOT NULL,
          bytes       BLOB    NOT NULL,
          received_at INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE votes (
          height      INTEGER NOT NULL,
          target      TEXT    NOT NULL,
          voter       TEXT    NOT NULL,
          bytes       BLOB    NOT NULL,
          received_at INTEGER NOT NULL,
          PRIMARY KEY (height, target, voter)
        ) STRICT;
        CREATE TABLE certificates (
          height      INTEGER PRIMARY KEY,
          hash        BLOB    NOT NULL UNIQUE,
          bytes       BLOB    NOT NULL,
          received_at INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE peers (
          peer_id   TEXT PRIMARY KEY,
          lab       TEXT,
          addrs     TEXT NOT NULL,
          last_seen INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'agreement',
    up(db) {
      db.exec(`
        -- Slashing protection (EIP-3076 spirit): at most one signed statement per height, written
        -- (fsynced) before the vote is published.
        CREATE TABLE signed_heights (
          height    INTEGER PRIMARY KEY,
          target    TEXT    NOT NULL CHECK (target IN ('RUNNING', 'PAUSED')),
          statement BLOB    NOT NULL,
          vote      BLOB    NOT NULL,
          at        INTEGER NOT NULL
        ) STRICT;
        -- The applied (certified) pause state: one row.
        CREATE TABLE pause_state (
          id               INTEGER PRIMARY KEY CHECK (id = 1),
          height           INTEGER NOT NULL,
          state            TEXT    NOT NULL CHECK (state IN ('RUNNING', 'PAUSED')),
          since            INTEGER,
          certificate_hash BLOB
        ) STRICT;
        INSERT INTO pause_state (id, height, state, since, certificate_hash) VALUES (1, 0, 'RUNNING', NULL, NULL);
        -- Operator approvals (judged evidence, resume).
        CREATE TABLE approvals (
          height INTEGER NOT NULL,
          target TEXT    NOT NULL CHECK (target IN ('RUNNING', 'PAUSED')),
          at     INTEGER NOT NULL,
          PRIMARY KEY (height, target)
        ) STRICT;
        -- Hook journal: at-least-once delivery per (certificate, hook).
        CREATE TABLE hook_journal (
          certificate_hash TEXT    NOT NULL,
          hook_name        TEXT    NOT NULL,
          height           INTEGER NOT NULL,
          action           TEXT    NOT NULL CHECK (action IN ('halt', 'resume')),
          status           TEXT    NOT NULL CHECK (status IN ('pending', 'ok', 'failed')),
          attempts         INTEGER NOT NULL,
          last_error       TEXT,
          updated_at       INTEGER NOT NULL,
          PRIMARY KEY (certificate_hash, hook_name)
        ) STRICT;
        CREATE INDEX hook_journal_height ON hook_journal (height);
        -- Per-hook durable key/value state (undo data), JSON values.
        CREATE TABLE hook_state (
          hook_name TEXT NOT NULL,
          key       TEXT NOT NULL,
          value     TEXT NOT NULL,
          PRIMARY KEY (hook_name, key)
        ) STRICT;
      `);
    },
  },
  {
    version: 3,
    name: 'breaches',
    up(db) {
      db.exec(`
        -- Evidence admission (docs/protocol.md "Evidence floods"): the breach it proves, who filed it, the
        -- epoch it is about. One evidence per (breach, reporter) is stored; judged evidence is counted per
        -- (reporter, epoch) against policy.judgedQuotaPerEpoch.
        ALTER TABLE evidence ADD COLUMN breach_id BLOB;
        ALTER TABLE evidence ADD COLUMN reporter TEXT;
        ALTER TABLE evidence ADD COLUMN epoch INTEGER;
        CREATE INDEX evidence_breach_reporter ON evidence (breach_id, reporter);
        CREATE INDEX evidence_reporter_epoch ON evidence (reporter, epoch, kind);
        -- Breaches by id (docs/protocol.md "Breach identity"). kind/lab/epoch/evidence_hash/first_seen_at are
        -- NULL for a breach this node knows only because a certified resume named it (its evidence never
        -- reached this node). acted_on_height: the first pause certificate applied while it was open;
        -- resolved_height: the resume certificate that named it. Both set in the certificate's transaction.
        CREATE TABLE breaches (
          id              BLOB    PRIMARY KEY,
          kind            TEXT,
          lab             TEXT,
          epoch           INTEGER,
          evidence_hash   BLOB,
          first_seen_at   INTEGER,
          acted_on_height INTEGER,
          resolved_height INTEGER
        ) STRICT;
        CREATE INDEX breaches_open ON breaches (resolved_height, first_seen_at);
        -- The breach ids an operator approval names (PAUSED: approved judged breaches; RUNNING: what the
        -- resume resolves). An approval row without breach rows resolves / approves nothing.
        CREATE TABLE approval_breaches (
          height    INTEGER NOT NULL,
          target    TEXT    NOT NULL CHECK (target IN ('RUNNING', 'PAUSED')),
          breach_id BLOB    NOT NULL,
          PRIMARY KEY (height, target, breach_id)
        ) STRICT;
        -- When this node was up (first-seen lateness is judged only for deadlines it observed).
        CREATE TABLE node_runs (
          started_at INTEGER PRIMARY KEY,
          alive_at   INTEGER NOT NULL
        ) STRICT;
        -- Start-up re-asserts that ran a hook again after its row was ok.
        ALTER TABLE hook_journal ADD COLUMN reasserts INTEGER NOT NULL DEFAULT 0;
      `);
    },
  },
];
