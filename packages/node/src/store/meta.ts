import type { SqliteDatabase } from './database.js';
import type { MetaRepository } from './repositories.js';

/** Key/value meta on SQLite (table meta, migration 1). */
export class SqliteMeta implements MetaRepository {
  constructor(private readonly db: SqliteDatabase) {}

  get(key: string): string | undefined {
    const r = this.db.sql('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value;
  }

  set(key: string, value: string): void {
    this.db
      .sql(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }
}
