import Database from 'better-sqlite3';

/**
 * Opens a SQLite file as every adapter here uses one: WAL, so that several processes (a manager,
 * `pjm nonce`, a second bridge) can share it, and `synchronous = NORMAL`, which survives a killed
 * process (the WAL is in the OS cache); only a power cut can lose the last commits. `:memory:`
 * is opened as it is.
 */
export function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(path, { timeout: busyTimeoutMs });
  if (path !== ':memory:') {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  return db;
}
