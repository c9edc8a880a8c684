import { PipelineJobsError } from '../errors/index.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Encodes the position after `ulid` as an opaque cursor. */
export function encodeCursor(ulid: string): string {
  return Buffer.from(`u:${ulid}`, 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor}; a malformed one is a `schema_violation` on `cursor`. */
export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const ulid = text.startsWith('u:') ? text.slice(2) : '';
  if (!ULID.test(ulid)) {
    throw new PipelineJobsError('schema_violation', 'cursor is not a cursor this server issued', { field: 'cursor' });
  }
  return ulid;
}

/** The page size to use: `limit` clamped to 1..1000, default 100. */
export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new PipelineJobsError('schema_violation', 'limit must be an integer from 1 to 1000', {
      field: 'limit',
      limit,
    });
  }
  return limit;
}
