import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates the data directory (and missing parents) readable by its owner only (0700, whatever the
 * umask). A directory that already exists is left as it is: it may be shared on purpose
 * (`/var/lib/...`), and the files pjm keeps in it are 0600 anyway.
 */
export function ensureDataDir(path: string): void {
  const leaf = resolve(path);
  const first = mkdirSync(leaf, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  // mkdir's mode went through the umask; chmod does not.
  for (let dir = leaf; ; dir = dirname(dir)) {
    chmodSync(dir, 0o700);
    if (dir === first || dirname(dir) === dir) break;
  }
}
