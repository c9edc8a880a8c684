import { timingSafeEqual } from 'node:crypto';
import { PipelineJobsError } from '../../errors/index.js';
import type { NonceRecord, NonceScope } from '../../ports/nonce-store.js';

const SCOPES: ReadonlySet<string> = new Set<NonceScope>(['events', 'create', 'all', 'claim']);

/** Narrows a value that must be a plain string (never an operator object that arrived as JSON). */
export function requireNonceString(field: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new PipelineJobsError('schema_violation', `${field} must be a string`, { field });
  return value;
}

/**
 * Whether a presented hash equals the stored one, in constant time. Both are hex SHA-256, so
 * their length is public; only equal-length buffers reach `timingSafeEqual`.
 */
export function hashMatches(stored: string, presented: string): boolean {
  const a = Buffer.from(stored, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Milliseconds since the epoch of an ISO-8601 expiry, or undefined for "never". */
export function expiresAtMs(record: Pick<NonceRecord, 'expires'>): number | undefined {
  return record.expires === undefined ? undefined : Date.parse(record.expires);
}

/** Why a nonce cannot be used at `now` apart from its use count, or undefined while it is live. */
export function notLive(record: NonceRecord, now: Date): 'revoked' | 'expired' | undefined {
  if (record.revoked !== undefined) return 'revoked';
  const expires = expiresAtMs(record);
  if (expires !== undefined && expires <= now.getTime()) return 'expired';
  return undefined;
}

/**
 * Checks a record handed to `create`: string fields, a known scope, `uses`
 * 0, `maxUses` a positive integer, `expires` a date.
 */
export function checkNewNonce(record: NonceRecord): void {
  requireNonceString('id', record.id);
  requireNonceString('hash', record.hash);
  if (!SCOPES.has(requireNonceString('scope', record.scope))) {
    throw new PipelineJobsError('schema_violation', 'scope must be events, create, all or claim', { field: 'scope' });
  }
  if (record.site !== undefined && requireNonceString('site', record.site) === '')
    throw new PipelineJobsError('schema_violation', 'site must not be empty', { field: 'site' });
  if ((record.scope === 'claim') !== (record.site !== undefined)) {
    throw new PipelineJobsError('schema_violation', 'a nonce names a site exactly when its scope is claim', {
      field: 'site',
    });
  }
  requireNonceString('created', record.created);
  if (record.id === '') throw new PipelineJobsError('schema_violation', 'id must not be empty', { field: 'id' });
  if (record.label !== undefined) requireNonceString('label', record.label);
  if (record.uses !== 0)
    throw new PipelineJobsError('schema_violation', 'a new nonce must have uses 0', { field: 'uses' });
  if (record.maxUses !== undefined && (!Number.isSafeInteger(record.maxUses) || record.maxUses < 1)) {
    throw new PipelineJobsError('schema_violation', 'maxUses must be a positive integer', { field: 'maxUses' });
  }
  if (record.expires !== undefined && Number.isNaN(Date.parse(requireNonceString('expires', record.expires)))) {
    throw new PipelineJobsError('schema_violation', 'expires must be an ISO-8601 date', { field: 'expires' });
  }
}
