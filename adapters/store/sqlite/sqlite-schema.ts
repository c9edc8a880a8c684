import type Database from 'better-sqlite3';

/**
 * Tables of the SQLite store. History is its own table keyed by event id (idempotency) with a
 * unique (job, version) pair (no gaps, no doubles); the jobs row holds the current state.
 */
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  uuid TEXT PRIMARY KEY,
  ulid TEXT NOT NULL UNIQUE,
  pipeline TEXT NOT NULL,
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  data TEXT NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  last_event TEXT NOT NULL,
  owner TEXT,
  creator TEXT,
  site TEXT,
  archive_path TEXT,
  detail TEXT,
  claim_by TEXT,
  claim_until TEXT,
  seq INTEGER,
  launch TEXT,
  phase TEXT,
  attempts INTEGER,
  retries_exhausted TEXT,
  stale_since TEXT,
  stale_until TEXT,
  hb_timeout REAL,
  hb_until TEXT,
  hb_count INTEGER,
  hb_last TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS jobs_pipeline ON jobs (pipeline, ulid);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, ulid);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, ulid);
CREATE INDEX IF NOT EXISTS jobs_site ON jobs (site, ulid);
CREATE INDEX IF NOT EXISTS jobs_phase ON jobs (phase, ulid);
CREATE INDEX IF NOT EXISTS jobs_updated ON jobs (updated);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created);
CREATE TABLE IF NOT EXISTS history (
  id TEXT PRIMARY KEY,
  job TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  date TEXT NOT NULL,
  data TEXT,
  source TEXT NOT NULL,
  state TEXT NOT NULL,
  seq INTEGER,
  phase TEXT,
  UNIQUE (job, version)
) STRICT;
`;

/** Indexes on columns {@link addMissingColumns} may have had to add: created after it. */
export const SQLITE_LATE_INDEXES = `
CREATE INDEX IF NOT EXISTS jobs_stale ON jobs (ulid) WHERE stale_since IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (hb_until) WHERE stale_since IS NULL;
`;

/** Columns added since the first version: {@link addMissingColumns} adds those a file lacks. */
const ADDED_COLUMNS: ReadonlyArray<{ readonly table: string; readonly column: string; readonly definition: string }> = [
  { table: 'jobs', column: 'creator', definition: 'creator TEXT' },
  { table: 'jobs', column: 'launch', definition: 'launch TEXT' },
  { table: 'jobs', column: 'phase', definition: 'phase TEXT' },
  { table: 'history', column: 'phase', definition: 'phase TEXT' },
  { table: 'jobs', column: 'attempts', definition: 'attempts INTEGER' },
  { table: 'jobs', column: 'retries_exhausted', definition: 'retries_exhausted TEXT' },
  { table: 'jobs', column: 'stale_since', definition: 'stale_since TEXT' },
  { table: 'jobs', column: 'stale_until', definition: 'stale_until TEXT' },
  { table: 'jobs', column: 'hb_timeout', definition: 'hb_timeout REAL' },
  { table: 'jobs', column: 'hb_until', definition: 'hb_until TEXT' },
  { table: 'jobs', column: 'hb_count', definition: 'hb_count INTEGER' },
  { table: 'jobs', column: 'hb_last', definition: 'hb_last TEXT' },
];

/** Brings a file of an earlier version up to {@link SQLITE_SCHEMA} (CREATE TABLE IF NOT EXISTS adds no column). */
export function addMissingColumns(db: Database.Database): void {
  for (const { table, column, definition } of ADDED_COLUMNS) {
    const columns = db.pragma(`table_info(${table})`) as Array<{ name: string }>;
    if (columns.some((c) => c.name === column)) continue;
    try {
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${definition}`);
    } catch (err) {
      // Another process opening the same file added it first.
      if (!/duplicate column/.test(String(err))) throw err;
    }
  }
}
