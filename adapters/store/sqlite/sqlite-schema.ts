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
  queue TEXT,
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

/** Indexes of the `jobs` table, created once every column exists ({@link upgradeSchema}). */
export const SQLITE_INDEXES = `
CREATE INDEX IF NOT EXISTS jobs_pipeline ON jobs (pipeline, ulid);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, ulid);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, ulid);
CREATE INDEX IF NOT EXISTS jobs_site ON jobs (site, ulid);
CREATE INDEX IF NOT EXISTS jobs_claim_order ON jobs (site, queue, state, claim_until, ulid);
CREATE INDEX IF NOT EXISTS jobs_phase ON jobs (phase, ulid);
CREATE INDEX IF NOT EXISTS jobs_updated ON jobs (updated);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created);
CREATE INDEX IF NOT EXISTS jobs_stale ON jobs (ulid) WHERE stale_since IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (hb_until) WHERE stale_since IS NULL;
`;

/** Columns added since the first version: {@link upgradeSchema} adds those a file lacks. */
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
  { table: 'jobs', column: 'queue', definition: 'queue TEXT' },
];

/**
 * Brings a file of an earlier version up to {@link SQLITE_SCHEMA} (CREATE TABLE IF NOT EXISTS adds no
 * column), then creates the indexes: an index on an added column can only follow the column.
 */
export function upgradeSchema(db: Database.Database): void {
  for (const { table, column, definition } of ADDED_COLUMNS) {
    const columns = db.pragma(`table_info(${table})`) as Array<{ name: string }>;
    if (columns.some((c) => c.name === column)) continue;
    try {
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${definition}`);
      // Jobs with a site wait in the default queue; a file made before queues has them without one.
      if (column === 'queue') db.exec(`UPDATE jobs SET queue = 'primary' WHERE site IS NOT NULL AND queue IS NULL`);
    } catch (err) {
      // Another process opening the same file added it first.
      if (!/duplicate column/.test(String(err))) throw err;
    }
  }
  db.exec(SQLITE_INDEXES);
}
