import type { SqliteDatabase } from './database.js';
import type { PeerRepository, PeerRow } from './repositories.js';

/** Remembered peers on SQLite (table peers, migration 1). */
export class SqlitePeers implements PeerRepository {
  constructor(private readonly db: SqliteDatabase) {}

  upsert(r: PeerRow): void {
    this.db
      .sql(
        `INSERT INTO peers (peer_id, lab, addrs, last_seen) VALUES (?, ?, ?, ?)
         ON CONFLICT(peer_id) DO UPDATE SET lab = excluded.lab, addrs = excluded.addrs, last_seen = excluded.last_seen`,
      )
      .run(r.peerId, r.lab, JSON.stringify(r.addrs), r.lastSeen);
  }

  prune(maxNonMembers: number): number {
    return this.db
      .sql(
        `DELETE FROM peers WHERE lab IS NULL AND peer_id NOT IN
         (SELECT peer_id FROM peers WHERE lab IS NULL ORDER BY last_seen DESC, peer_id LIMIT ?)`,
      )
      .run(maxNonMembers).changes;
  }

  list(limit: number): PeerRow[] {
    return (
      this.db
        .sql('SELECT * FROM peers ORDER BY (lab IS NULL), last_seen DESC, peer_id LIMIT ?')
        .all(limit) as {
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
