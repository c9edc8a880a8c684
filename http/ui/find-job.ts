import { encodeCursor } from '../../model/list-cursor.js';
import type { JobStore } from '../../ports/job-store.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_PREFIX = /^[0-9A-HJKMNP-TV-Z]{1,26}$/;
const HEX = /^[0-9a-f]{1,32}$/;

/** Jobs scanned (newest first) for a uuid prefix: the store has no prefix query. */
export const UUID_PREFIX_SCAN = 2000;

/** The ULID just before the first ULID starting with `prefix`, or undefined when that is the first ULID of all. */
function before(prefix: string): string | undefined {
  const chars = prefix.padEnd(26, '0').split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    const at = CROCKFORD.indexOf(chars[i] ?? '0');
    if (at > 0) {
      chars[i] = CROCKFORD[at - 1] ?? '0';
      return chars.join('');
    }
    chars[i] = 'Z';
  }
  return undefined;
}

function asUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The uuid of the job named by `query`: a uuid (dashes optional), a ULID or a ULID prefix (a seek
 * in the store's keyset order, so any size of store), or a uuid prefix (among the newest
 * {@link UUID_PREFIX_SCAN} jobs). Undefined when none matches.
 */
export async function findJob(store: JobStore, query: string): Promise<string | undefined> {
  const q = query.trim();
  const hex = q.toLowerCase().replace(/-/g, '');
  if (HEX.test(hex) && hex.length === 32) return (await store.get(asUuid(hex)))?.uuid;
  const upper = q.toUpperCase();
  if (ULID_PREFIX.test(upper) && upper.length >= 10) {
    const cursor = before(upper);
    const page = await store.list({
      order: 'asc',
      limit: 1,
      ...(cursor !== undefined && { cursor: encodeCursor(cursor) }),
    });
    const job = page.jobs[0];
    if (job?.ulid.startsWith(upper) === true) return job.uuid;
  }
  if (HEX.test(hex) && hex.length >= 4) {
    let cursor: string | undefined;
    for (let seen = 0; seen < UUID_PREFIX_SCAN; seen += 1000) {
      const page = await store.list({ limit: 1000, ...(cursor !== undefined && { cursor }) });
      const hit = page.jobs.find((j) => j.uuid.replace(/-/g, '').startsWith(hex));
      if (hit !== undefined) return hit.uuid;
      if (page.nextCursor === undefined) break;
      cursor = page.nextCursor;
    }
  }
  return undefined;
}
