import { chmodSync, closeSync, fchmodSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Errors of a chmod that leave the file as it is: gone, or someone else's (their mode is theirs to set). */
const LEAVE_AS_IS = new Set(['ENOENT', 'EPERM']);

/**
 * Creates `path` if needed and makes it readable by its owner only, whatever the umask: the
 * files hold job data and, while an event is in flight, its token. SQLite creates the `-wal` and
 * `-shm` files with the main file's mode, so those follow; an older version may have left them
 * world-readable, so they are tightened too.
 */
function makePrivate(path: string): void {
  const fd = openSync(path, 'a', 0o600);
  try {
    fchmodSync(fd, 0o600);
  } catch (err) {
    if (!LEAVE_AS_IS.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    closeSync(fd);
  }
  for (const companion of [`${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(companion, 0o600);
    } catch (err) {
      if (!LEAVE_AS_IS.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }
}

/** Options of {@link openDatabase}. */
export interface OpenOptions {
  /**
   * Overwrite what a DELETE removes (`secure_delete`), for a file whose deleted rows held secrets:
   * the local bus deletes every event it delivered, token included, and a freed cell or overflow
   * page would otherwise keep it in the file. Costs up to about a tenth of the bus's throughput.
   */
  readonly eraseDeleted?: boolean;
}

/**
 * Opens a SQLite file as every adapter here uses one: private (mode 0600, see {@link makePrivate}),
 * WAL, so that several processes (a manager, `pjm nonce`, a second bridge) can share it, and
 * `synchronous = NORMAL`, which survives a killed process (the WAL is in the OS cache); only a
 * power cut can lose the last commits. `:memory:` is opened as it is.
 */
export function openDatabase(path: string, busyTimeoutMs: number, options: OpenOptions = {}): Database.Database {
  if (path === ':memory:') return new Database(path, { timeout: busyTimeoutMs });
  makePrivate(path);
  const db = new Database(path, { timeout: busyTimeoutMs });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  if (options.eraseDeleted === true) db.pragma('secure_delete = ON');
  return db;
}
