/**
 * The one table of the local bus. `queue` is `events` (ready, or leased while `lease_until` is
 * in the future), `delayed` (a retry, due at `available_at`) or `dead`. `delivered` counts
 * handouts and fences settlements: a consumer settles or renews only the handout it was given.
 * AUTOINCREMENT keeps `seq` growing even after the newest row is deleted, so publish order is
 * never reused.
 *
 * Handing out needs the oldest ready rows in seq order: the (queue, seq) index yields them in
 * that order, so SQLite stops after LIMIT rows instead of sorting every ready message. Retries
 * wait in their own queue, behind a partial index that only they pay for, because parked in
 * `events` every one of them would be stepped over by each lease until it came due.
 *
 * A dead letter keeps its reason (`reason_code`, `reason_message`) and what was known of its
 * token (`reason_token`, see `TokenCheck`); its body is the form the consumer chose, without the
 * token. `dead_id` (a uuid) and `dead_at` (epoch ms) are given when it is dead-lettered.
 */
export const LOCAL_BUS_SCHEMA = `
CREATE TABLE IF NOT EXISTS bus_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL CHECK (queue IN ('events', 'delayed', 'dead')),
  routing_key TEXT NOT NULL,
  body BLOB NOT NULL,
  headers TEXT NOT NULL,
  reply_to TEXT,
  correlation_id TEXT,
  message_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  available_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  delivered INTEGER NOT NULL DEFAULT 0,
  reason_code TEXT,
  reason_message TEXT,
  reason_token TEXT,
  dead_id TEXT,
  dead_at INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS bus_messages_queue_seq ON bus_messages (queue, seq);
CREATE INDEX IF NOT EXISTS bus_messages_due ON bus_messages (available_at) WHERE queue = 'delayed';
`;

/**
 * Brings a file of an earlier version up to {@link LOCAL_BUS_SCHEMA}, in steps keyed by the column
 * each adds. `reason_token`: also removes the job token from the dead letters written before it
 * (they kept the whole message). `dead_id`: gives the dead letters already there an id and, for
 * want of their real time, the time of the migration.
 */
export const LOCAL_BUS_MIGRATIONS: ReadonlyArray<{ readonly column: string; readonly sql: string }> = [
  {
    column: 'reason_token',
    sql: `
ALTER TABLE bus_messages ADD COLUMN reason_token TEXT;
UPDATE bus_messages SET body = CAST(json_remove(CAST(body AS TEXT), '$.token') AS BLOB)
  WHERE queue = 'dead' AND json_valid(CAST(body AS TEXT)) AND json_type(CAST(body AS TEXT), '$.token') IS NOT NULL;
`,
  },
  {
    column: 'dead_id',
    sql: `
ALTER TABLE bus_messages ADD COLUMN dead_id TEXT;
ALTER TABLE bus_messages ADD COLUMN dead_at INTEGER;
UPDATE bus_messages SET dead_at = CAST(unixepoch('subsec') * 1000 AS INTEGER),
  dead_id = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
    hex(randomblob(2)) || '-' || hex(randomblob(6)))
  WHERE queue = 'dead';
`,
  },
];
