import type Database from 'better-sqlite3';
import type {
  DeadLetterCount,
  DeadLetterFilter,
  DeadLetterRecord,
  DeadLetterStore,
} from '../../ports/dead-letter-store.js';
import type { HeaderValue, TokenCheck } from '../../ports/event-bus.js';
import { openDatabase } from '../sqlite/open-database.js';
import { StatementCache } from '../sqlite/statement-cache.js';

/** Options of {@link SqliteDeadLetterStore}. */
export interface SqliteDeadLetterStoreOptions {
  /** A file path (it may be the job store's file: the table is `dead_letters`), or `:memory:`. */
  readonly path: string;
  /** How long a writer waits for another process's lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

/**
 * The `dead_letters` table. `dead_at` is ISO-8601 as the bus gave it (`toISOString`, so it sorts
 * as text); pages run in (`dead_at`, `id`) order. Counting per code reads only the partial index
 * of the letters that wait.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS dead_letters (
  id TEXT PRIMARY KEY,
  dead_at TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  token TEXT NOT NULL,
  routing_key TEXT NOT NULL,
  headers TEXT NOT NULL,
  message_id TEXT,
  body BLOB NOT NULL,
  attempts INTEGER NOT NULL,
  event_id TEXT,
  uuid TEXT,
  event TEXT,
  replayed_at TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS dead_letters_order ON dead_letters (dead_at, id);
CREATE INDEX IF NOT EXISTS dead_letters_waiting ON dead_letters (code, dead_at) WHERE replayed_at IS NULL;
`;

interface DeadLetterRow {
  id: string;
  dead_at: string;
  code: string;
  message: string;
  token: string;
  routing_key: string;
  headers: string;
  message_id: string | null;
  body: Buffer;
  attempts: number;
  event_id: string | null;
  uuid: string | null;
  event: string | null;
  replayed_at: string | null;
}

function rowToRecord(row: DeadLetterRow): DeadLetterRecord {
  return {
    id: row.id,
    deadAt: row.dead_at,
    body: row.body,
    routingKey: row.routing_key,
    headers: JSON.parse(row.headers) as Record<string, HeaderValue>,
    ...(row.message_id !== null && { messageId: row.message_id }),
    reason: { code: row.code, message: row.message, token: row.token as TokenCheck },
    attempts: row.attempts,
    ...(row.event_id !== null && { eventId: row.event_id }),
    ...(row.uuid !== null && { uuid: row.uuid }),
    ...(row.event !== null && { event: row.event }),
    ...(row.replayed_at !== null && { replayedAt: row.replayed_at }),
  };
}

/** The WHERE clause of a filter, with its parameters. */
function where(filter: DeadLetterFilter, waitingOnly: boolean): { sql: string; params: Record<string, string> } {
  const clauses: string[] = [];
  const params: Record<string, string> = {};
  if (waitingOnly) clauses.push('replayed_at IS NULL');
  if (filter.code !== undefined) {
    clauses.push('code = @code');
    params['code'] = filter.code;
  }
  if (filter.since !== undefined) {
    clauses.push('dead_at >= @since');
    params['since'] = filter.since;
  }
  if (filter.before !== undefined) {
    clauses.push('dead_at < @before');
    params['before'] = filter.before;
  }
  return { sql: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params };
}

/**
 * {@link DeadLetterStore} on SQLite (better-sqlite3), beside the jobs in embedded mode. `keep` is
 * one transaction of `INSERT … ON CONFLICT DO NOTHING`; a replay claim is one conditional UPDATE,
 * atomic across processes.
 */
export class SqliteDeadLetterStore implements DeadLetterStore {
  readonly #db: Database.Database;
  readonly #statements: StatementCache;

  constructor(options: SqliteDeadLetterStoreOptions) {
    this.#db = openDatabase(options.path, options.busyTimeoutMs ?? 5000);
    this.#statements = new StatementCache(this.#db);
  }

  async init(): Promise<void> {
    this.#db.exec(SCHEMA);
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  async keep(letters: readonly DeadLetterRecord[]): Promise<void> {
    const insert = this.#statements.get(
      `INSERT INTO dead_letters (id, dead_at, code, message, token, routing_key, headers, message_id, body, attempts,
         event_id, uuid, event, replayed_at)
       VALUES (@id, @deadAt, @code, @message, @token, @routingKey, @headers, @messageId, @body, @attempts,
         @eventId, @uuid, @event, @replayedAt)
       ON CONFLICT (id) DO NOTHING`,
    );
    this.#db
      .transaction(() => {
        for (const letter of letters) {
          insert.run({
            id: letter.id,
            deadAt: letter.deadAt,
            code: letter.reason.code,
            message: letter.reason.message,
            token: letter.reason.token,
            routingKey: letter.routingKey,
            headers: JSON.stringify(letter.headers),
            messageId: letter.messageId ?? null,
            body: letter.body,
            attempts: letter.attempts,
            eventId: letter.eventId ?? null,
            uuid: letter.uuid ?? null,
            event: letter.event ?? null,
            replayedAt: letter.replayedAt ?? null,
          });
        }
      })
      .immediate();
  }

  async counts(filter: DeadLetterFilter = {}): Promise<DeadLetterCount[]> {
    const { sql, params } = where(filter, true);
    return this.#statements
      .get(`SELECT code, count(*) AS count FROM dead_letters ${sql} GROUP BY code ORDER BY count DESC, code`)
      .all(params) as DeadLetterCount[];
  }

  async list(
    filter: DeadLetterFilter & { readonly limit: number; readonly after?: string; readonly replayed?: boolean },
  ): Promise<DeadLetterRecord[]> {
    const { sql, params } = where(filter, filter.replayed !== true);
    let page = sql;
    const all: Record<string, string | number> = { ...params, limit: filter.limit };
    if (filter.after !== undefined) {
      const last = await this.get(filter.after);
      if (last !== undefined) {
        page = `${sql === '' ? 'WHERE' : `${sql} AND`} (dead_at > @afterAt OR (dead_at = @afterAt AND id > @afterId))`;
        all['afterAt'] = last.deadAt;
        all['afterId'] = last.id;
      }
    }
    const rows = this.#statements
      .get(`SELECT * FROM dead_letters ${page} ORDER BY dead_at, id LIMIT @limit`)
      .all(all) as DeadLetterRow[];
    return rows.map(rowToRecord);
  }

  async get(id: string): Promise<DeadLetterRecord | undefined> {
    const row = this.#statements.get('SELECT * FROM dead_letters WHERE id = ?').get(id) as DeadLetterRow | undefined;
    return row === undefined ? undefined : rowToRecord(row);
  }

  async markReplayed(id: string, at: Date): Promise<boolean> {
    const result = this.#statements
      .get('UPDATE dead_letters SET replayed_at = @at WHERE id = @id AND replayed_at IS NULL')
      .run({ id, at: at.toISOString() });
    return result.changes > 0;
  }

  async unmark(id: string): Promise<void> {
    this.#statements.get('UPDATE dead_letters SET replayed_at = NULL WHERE id = ?').run(id);
  }

  async purge(filter: DeadLetterFilter & { readonly before: string }): Promise<number> {
    const { sql, params } = where(filter, false);
    return this.#statements.get(`DELETE FROM dead_letters ${sql}`).run(params).changes;
  }
}
