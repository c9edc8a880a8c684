import { createHash, randomBytes } from 'node:crypto';
import type { NonceRecord, NonceScope } from '../ports/nonce-store.js';

/** What an admin asks for when making a nonce. */
export interface NonceRequest {
  readonly scope: NonceScope;
  /** The site of a `claim` nonce (required with that scope, refused with the others). */
  readonly site?: string;
  readonly label?: string;
  readonly maxUses?: number;
  /** Lifetime in seconds from creation; absent: no expiry. */
  readonly ttlSeconds?: number;
}

const VALUE = /^([0-9a-f]{16})\.([A-Za-z0-9_-]{32})$/;

/** Hex SHA-256 of a whole nonce value: what the store keeps instead of the value. */
export function hashNonce(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * A fresh nonce: the value `<id>.<secret>` (shown once, to the admin who made it) and the record
 * to store, which holds the id and the value's hash but never the secret. The secret has 192
 * random bits, so a fast hash is enough: nothing can be guessed from the digest.
 */
export function newNonce(request: NonceRequest, now: Date): { value: string; record: NonceRecord } {
  const id = randomBytes(8).toString('hex');
  const value = `${id}.${randomBytes(24).toString('base64url')}`;
  const record: NonceRecord = {
    id,
    hash: hashNonce(value),
    scope: request.scope,
    uses: 0,
    created: now.toISOString(),
    ...(request.site !== undefined && { site: request.site }),
    ...(request.label !== undefined && { label: request.label }),
    ...(request.maxUses !== undefined && { maxUses: request.maxUses }),
    ...(request.ttlSeconds !== undefined && {
      expires: new Date(now.getTime() + request.ttlSeconds * 1000).toISOString(),
    }),
  };
  return { value, record };
}

/** The id and hash of a presented nonce value, or undefined when it is not shaped like one. */
export function parseNonce(value: string): { id: string; hash: string } | undefined {
  const match = VALUE.exec(value);
  if (match?.[1] === undefined) return undefined;
  return { id: match[1], hash: hashNonce(value) };
}

/**
 * Whether a nonce of `scope` may be used for `need`. A `claim` nonce (a site key) also covers
 * events, for its own site's jobs only: the caller checks the job's site.
 */
export function nonceCovers(scope: NonceScope, need: Exclude<NonceScope, 'all'>): boolean {
  if (scope === 'claim') return need === 'claim' || need === 'events';
  return need !== 'claim' && (scope === 'all' || scope === need);
}
