import type Database from 'better-sqlite3';
import { StatementCache } from '../sqlite/statement-cache.js';
import type { NonceRecord, NonceScope, NonceStore, NonceUseResult } from '../../ports/nonce-store.js';
import { DuplicateNonceError } from '../../errors/index.js';
import { checkNewNonce, expiresAtMs, hashMatches, notLive, requireNonceString } from './nonce-rules.js';
import { openDatabase } from '../sqlite/open-database.js';

/** Options of {@link SqliteNonceStore}. */
export interface SqliteNonceStoreOptions {
  /** A file path (it may be the job store's file: the table is `nonces`), or `:memory:`. */
  readonly path: string;
  /** How long a writer waits for another process's lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

/**
 * The `nonces` table. `expires_ms` is `expires` as epoch milliseconds, so the use counter's
 * conditional UPDATE compares numbers, whatever ISO-8601 spelling `expires` was given in.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS nonces (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL,
  scope TEXT NOT NULL,
  site TEXT,
  label TEXT,
  max_uses INTEGER,
  uses INTEGER NOT NULL DEFAULT 0,
  expires TEXT,
  expires_ms INTEGER,
  created TEXT NOT NULL,
  revoked TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS nonces_created ON nonces (created);
`;

/** A row of the `nonces` table as better-sqlite3 returns it. */
interface NonceRow {
  id: string;
  hash: string;
  scope: string;
  site: string | null;
  label: string | null;
  max_uses: number | null;
  uses: number;
  expires: string | null;
  expires_ms: number | null;
  created: string;
  revoked: string | null;
}

function rowToRecord(row: NonceRow): NonceRecord {
  return {
    id: row.id,
    hash: row.hash,
    scope: row.scope as NonceScope,
    uses: row.uses,
    created: row.created,
    ...(row.site !== null && row.site !== undefined && { site: row.site }),
    ...(row.label !== null && { label: row.label }),
    ...(row.max_uses !== null && { maxUses: row.max_uses }),
    ...(row.expires !== null && { expires: row.expires }),
    ...(row.revoked !== null && { revoked: row.revoked }),
  };
}

/**
 * {@link NonceStore} on SQLite (better-sqlite3). A use is one conditional
 * `UPDATE … SET uses = uses + 1 WHERE … uses < max_uses AND revoked IS NULL AND not expired`,
 * which SQLite runs atomically across connections and processes, so `maxUses` is exact. WAL mode
 * lets the server and `pjm nonce` share a file with the job store.
 */
export class SqliteNonceStore implements NonceStore {
  readonly #db: Database.Database;
  readonly #statements: StatementCache;

  constructor(options: SqliteNonceStoreOptions) {
    this.#db = openDatabase(options.path, options.busyTimeoutMs ?? 5000);
    this.#statements = new StatementCache(this.#db);
  }

  async init(): Promise<void> {
    this.#db.exec(SCHEMA);
    const columns = this.#db.pragma('table_info(nonces)') as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'site')) {
      try {
        this.#db.exec('ALTER TABLE nonces ADD COLUMN site TEXT');
      } catch (err) {
        // Another process opening the same file added it first.
        if (!/duplicate column/.test(String(err))) throw err;
      }
    }
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  async create(record: NonceRecord): Promise<void> {
    checkNewNonce(record);
    const inserted = this.#statements
      .get(
        `INSERT INTO nonces (id, hash, scope, site, label, max_uses, uses, expires, expires_ms, created, revoked)
         VALUES (@id, @hash, @scope, @site, @label, @max_uses, 0, @expires, @expires_ms, @created, @revoked)
         ON CONFLICT (id) DO NOTHING`,
      )
      .run({
        id: record.id,
        hash: record.hash,
        scope: record.scope,
        site: record.site ?? null,
        label: record.label ?? null,
        max_uses: record.maxUses ?? null,
        expires: record.expires ?? null,
        expires_ms: expiresAtMs(record) ?? null,
        created: record.created,
        revoked: record.revoked ?? null,
      });
    if (inserted.changes === 0) throw new DuplicateNonceError(record.id);
  }

  async list(): Promise<NonceRecord[]> {
    const rows = this.#statements.get('SELECT * FROM nonces ORDER BY created DESC, rowid DESC').all() as NonceRow[];
    return rows.map(rowToRecord);
  }

  async revoke(id: string, now: Date): Promise<boolean> {
    const result = this.#statements
      .get('UPDATE nonces SET revoked = @now WHERE id = @id AND revoked IS NULL')
      .run({ id: requireNonceString('id', id), now: now.toISOString() });
    return result.changes > 0;
  }

  async use(id: string, hash: string, now: Date): Promise<NonceUseResult> {
    requireNonceString('id', id);
    requireNonceString('hash', hash);
    const found = this.#get(id);
    // The hash never changes, so checking it before the counting UPDATE is as good as in it.
    if (found === undefined || !hashMatches(found.hash, hash)) return { outcome: 'unknown' };
    const early = notLive(found, now);
    if (early !== undefined) return { outcome: early, nonce: found };
    const row = this.#statements
      .get(
        `UPDATE nonces SET uses = uses + 1
         WHERE id = @id AND revoked IS NULL
           AND (expires_ms IS NULL OR expires_ms > @now)
           AND (max_uses IS NULL OR uses < max_uses)
         RETURNING *`,
      )
      .get({ id, now: now.getTime() }) as NonceRow | undefined;
    if (row !== undefined) return { outcome: 'accepted', nonce: rowToRecord(row) };
    // Refused: revoked meanwhile, or out of uses.
    const current = this.#get(id);
    if (current === undefined) return { outcome: 'unknown' };
    return { outcome: notLive(current, now) ?? 'exhausted', nonce: current };
  }

  #get(id: string): NonceRecord | undefined {
    const row = this.#statements.get('SELECT * FROM nonces WHERE id = ?').get(id) as NonceRow | undefined;
    return row === undefined ? undefined : rowToRecord(row);
  }
}
