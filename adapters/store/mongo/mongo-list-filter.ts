import type { Filter } from 'mongodb';
import type { ListQuery } from '../../../ports/job-store.js';
import type { StoredJob } from './mongo-documents.js';
import { PipelineJobsError } from '../../../errors/index.js';

/** Narrows a filter value that must be a plain string (never an operator object). */
export function requireString(field: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new PipelineJobsError('schema_violation', `${field} must be a string`, { field });
  return value;
}

type Range = { $gte?: string; $lte?: string };

function range(since: string | undefined, until: string | undefined): Range | undefined {
  if (since === undefined && until === undefined) return undefined;
  return {
    ...(since !== undefined && { $gte: requireString('since', since) }),
    ...(until !== undefined && { $lte: requireString('until', until) }),
  };
}

/**
 * The MongoDB filter for a {@link ListQuery}. Every value is checked to be a string, so a value
 * that arrived as an object can never become a query operator.
 */
export function listFilter(query: ListQuery): Filter<StoredJob> & { ulid?: unknown } {
  const filter: Filter<StoredJob> & { ulid?: unknown } = {};
  if (query.pipeline !== undefined) filter.pipeline = requireString('pipeline', query.pipeline);
  if (query.owner !== undefined) filter.owner = requireString('owner', query.owner);
  if (query.site !== undefined) filter.site = requireString('site', query.site);
  if (query.phase !== undefined) filter.phase = requireString('phase', query.phase);
  if (query.ulid !== undefined) filter.ulid = requireString('ulid', query.ulid);
  if (query.state !== undefined) {
    const states = typeof query.state === 'string' ? [query.state] : [...query.state];
    filter.state = { $in: states.map((s) => requireString('state', s)) };
  }
  if (query.stale !== undefined) filter.stale = query.stale ? { $ne: null } : null;
  if (query.leaseExpiredBy !== undefined) {
    filter.stale = null;
    filter['heartbeat.until'] = { $lte: requireString('leaseExpiredBy', query.leaseExpiredBy) };
  }
  const created = range(query.createdSince, query.createdUntil);
  if (created !== undefined) filter.created = created;
  const updated = range(query.updatedSince, query.updatedUntil);
  if (updated !== undefined) filter.updated = updated;
  return filter;
}
