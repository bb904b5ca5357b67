import { decodeCertificate, decodeSignedVote } from '@pausenet/protocol';
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
 * 4 (levels): certificates and signed_heights keyed by (height, target, step); REDUCED allowed wherever a
 *   level is stored (signed_heights, pause_state, approvals, approval_breaches) and `reduce` as a hook action;
 *   receipts.
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
  {
    version: 4,
    name: 'levels',
    up(db) {
      // SQLite cannot change a key or a CHECK in place: each table is rebuilt and its rows copied. The
      // target and step of stored certificates and signed statements are read from their bytes.
      db.exec(`
        CREATE TABLE certificates_v4 (
          height      INTEGER NOT NULL,
          target      TEXT    NOT NULL CHECK (target IN ('RUNNING', 'REDUCED', 'PAUSED')),
          step        TEXT    NOT NULL CHECK (step IN ('up', 'down')),
          hash        BLOB    NOT NULL UNIQUE,
          bytes       BLOB    NOT NULL,
          received_at INTEGER NOT NULL,
          PRIMARY KEY (height, target, step)
        ) STRICT;
        CREATE TABLE signed_heights_v4 (
          height    INTEGER NOT NULL,
          target    TEXT    NOT NULL CHECK (target IN ('RUNNING', 'REDUCED', 'PAUSED')),
          step      TEXT    NOT NULL CHECK (step IN ('up', 'down')),
          statement BLOB    NOT NULL,
          vote      BLOB    NOT NULL,
          at        INTEGER NOT NULL,
          PRIMARY KEY (height, target, step)
        ) STRICT;
      `);
      const certs = db
        .prepare('SELECT height, hash, bytes, received_at FROM certificates ORDER BY height')
        .all() as {
        height: number;
        hash: Uint8Array;
        bytes: Uint8Array;
        received_at: number;
      }[];
      const putCert = db.prepare(
        'INSERT INTO certificates_v4 (height, target, step, hash, bytes, received_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const c of certs) {
        const k = decodeCertificate(new Uint8Array(c.bytes));
        putCert.run(c.height, k.target, k.step, c.hash, c.bytes, c.received_at);
      }
      const signed = db
        .prepare('SELECT height, target, statement, vote, at FROM signed_heights ORDER BY height')
        .all() as { height: number; target: string; statement: Uint8Array; vote: Uint8Array; at: number }[];
      const putSigned = db.prepare(
        'INSERT INTO signed_heights_v4 (height, target, step, statement, vote, at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const r of signed) {
        const v = decodeSignedVote(new Uint8Array(r.vote)).vote;
        putSigned.run(r.height, v.target, v.step, r.statement, r.vote, r.at);
      }
      db.exec(`
        DROP TABLE certificates;
        ALTER TABLE certificates_v4 RENAME TO certificates;
        DROP TABLE signed_heights;
        ALTER TABLE signed_heights_v4 RENAME TO signed_heights;

        CREATE TABLE pause_state_v4 (
          id               INTEGER PRIMARY KEY CHECK (id = 1),
          height           INTEGER NOT NULL,
          state            TEXT    NOT NULL CHECK (state IN ('RUNNING', 'REDUCED', 'PAUSED')),
          since            INTEGER,
          certificate_hash BLOB
        ) STRICT;
        INSERT INTO pause_state_v4 SELECT id, height, state, since, certificate_hash FROM pause_state;
        DROP TABLE pause_state;
        ALTER TABLE pause_state_v4 RENAME TO pause_state;

        CREATE TABLE approvals_v4 (
          height INTEGER NOT NULL,
          target TEXT    NOT NULL CHECK (target IN ('RUNNING', 'REDUCED', 'PAUSED')),
          at     INTEGER NOT NULL,
          PRIMARY KEY (height, target)
        ) STRICT;
        INSERT INTO approvals_v4 SELECT height, target, at FROM approvals;
        DROP TABLE approvals;
        ALTER TABLE approvals_v4 RENAME TO approvals;

        CREATE TABLE approval_breaches_v4 (
          height    INTEGER NOT NULL,
          target    TEXT    NOT NULL CHECK (target IN ('RUNNING', 'REDUCED', 'PAUSED')),
          breach_id BLOB    NOT NULL,
          PRIMARY KEY (height, target, breach_id)
        ) STRICT;
        INSERT INTO approval_breaches_v4 SELECT height, target, breach_id FROM approval_breaches;
        DROP TABLE approval_breaches;
        ALTER TABLE approval_breaches_v4 RENAME TO approval_breaches;

        CREATE TABLE hook_journal_v4 (
          certificate_hash TEXT    NOT NULL,
          hook_name        TEXT    NOT NULL,
          height           INTEGER NOT NULL,
          action           TEXT    NOT NULL CHECK (action IN ('halt', 'reduce', 'resume')),
          status           TEXT    NOT NULL CHECK (status IN ('pending', 'ok', 'failed')),
          attempts         INTEGER NOT NULL,
          last_error       TEXT,
          updated_at       INTEGER NOT NULL,
          reasserts        INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (certificate_hash, hook_name)
        ) STRICT;
        INSERT INTO hook_journal_v4 (certificate_hash, hook_name, height, action, status, attempts, last_error,
          updated_at, reasserts)
          SELECT certificate_hash, hook_name, height, action, status, attempts, last_error, updated_at, reasserts
          FROM hook_journal;
        DROP TABLE hook_journal;
        ALTER TABLE hook_journal_v4 RENAME TO hook_journal;
        CREATE INDEX hook_journal_height ON hook_journal (height);

        -- Signed receipts (docs/protocol.md "Receipts"), at most 8 per (lab, certificate) (R_QUOTA).
        CREATE TABLE receipts (
          hash             BLOB    PRIMARY KEY,
          lab              TEXT    NOT NULL,
          certificate_hash BLOB    NOT NULL,
          issued_at        INTEGER NOT NULL,
          bytes            BLOB    NOT NULL,
          received_at      INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX receipts_certificate_lab ON receipts (certificate_hash, lab, issued_at);
        CREATE INDEX receipts_arrival ON receipts (received_at, hash);
      `);
    },
  },
];
