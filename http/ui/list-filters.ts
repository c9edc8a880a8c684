import { encodeTime } from 'ulid';
import { JOB_STATES, type JobState } from '../../fsm/index.js';
import { encodeCursor } from '../../model/list-cursor.js';
import type { ListQuery } from '../../ports/job-store.js';

/** Quick time ranges of the list's creation-time filter. */
export const RANGES = { '1h': 3600, '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 } as const;

/** A quick range name. */
export type RangeName = keyof typeof RANGES;

/** The jobs list's filters as the URL carries them (so a view can be shared and bookmarked). */
export interface ListFilters {
  readonly pipeline?: string | undefined;
  readonly states: readonly JobState[];
  /** The phase a status vocabulary gave the job (exact). */
  readonly phase?: string | undefined;
  readonly owner?: string | undefined;
  readonly site?: string | undefined;
  /** Only jobs flagged stale: their heartbeat lease ran out (docs/heartbeats.md). */
  readonly stale?: boolean | undefined;
  readonly range?: RangeName | undefined;
  /** Creation time bounds as typed (`YYYY-MM-DDTHH:MM`, read as UTC). */
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly cursor?: string | undefined;
}

/** Rows per page of the dashboard's list. */
export const PAGE_SIZE = 50;

const TEXT_MAX = 256;
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z?)?$/;

function text(value: unknown): string | undefined {
  const v = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof v === 'string' && v.trim() !== '' && v.length <= TEXT_MAX ? v.trim() : undefined;
}

function date(value: unknown): string | undefined {
  const v = text(value);
  return v !== undefined && DATE.test(v) && !Number.isNaN(utcDate(v).getTime()) ? v : undefined;
}

function utcDate(value: string): Date {
  const full = value.length === 10 ? `${value}T00:00` : value;
  return new Date(full.endsWith('Z') ? full : `${full}Z`);
}

function utcIso(value: string): string {
  return utcDate(value).toISOString();
}

/** Reads the filters out of a query string; values that do not parse are dropped, not guessed. */
export function parseFilters(query: Record<string, unknown>): ListFilters {
  const rawStates = ([] as unknown[])
    .concat(query['state'] ?? [])
    .flatMap((s) => (typeof s === 'string' ? s.split(',') : []));
  const range = text(query['range']);
  const cursor = text(query['cursor']);
  return {
    pipeline: text(query['pipeline']),
    states: JOB_STATES.filter((s) => rawStates.includes(s)),
    phase: text(query['phase']),
    owner: text(query['owner']),
    site: text(query['site']),
    stale: text(query['stale']) === 'true' ? true : undefined,
    range: range !== undefined && range in RANGES ? (range as RangeName) : undefined,
    since: date(query['since']),
    until: date(query['until']),
    cursor: cursor !== undefined && /^[\w-]{1,200}$/.test(cursor) ? cursor : undefined,
  };
}

/**
 * A keyset position just after every job created by `until`: a ULID's first ten characters are
 * its creation time, so the store seeks to it in its (filter, ulid) index instead of scanning down
 * from the newest job to the first one old enough.
 */
function cursorAt(until: Date): string {
  return encodeCursor(`${encodeTime(until.getTime() + 1, 10)}${'0'.repeat(16)}`);
}

/** The store query of `filters`, one page of {@link PAGE_SIZE} jobs, newest first. */
export function toListQuery(filters: ListFilters, now: Date): ListQuery {
  const since =
    filters.since !== undefined
      ? utcIso(filters.since)
      : filters.range !== undefined
        ? new Date(now.getTime() - RANGES[filters.range] * 1000).toISOString()
        : undefined;
  return {
    limit: PAGE_SIZE,
    ...(filters.pipeline !== undefined && { pipeline: filters.pipeline }),
    ...(filters.states.length > 0 && { state: filters.states }),
    ...(filters.phase !== undefined && { phase: filters.phase }),
    ...(filters.owner !== undefined && { owner: filters.owner }),
    ...(filters.site !== undefined && { site: filters.site }),
    ...(filters.stale === true && { stale: true }),
    ...(since !== undefined && { createdSince: since }),
    ...(filters.until !== undefined && { createdUntil: utcIso(filters.until) }),
    ...(filters.cursor !== undefined
      ? { cursor: filters.cursor }
      : filters.until !== undefined && { cursor: cursorAt(utcDate(filters.until)) }),
  };
}

/** The query string of `filters` (without `?`), with `change` applied; empty values are left out. */
export function filterQuery(filters: ListFilters, change: Partial<ListFilters> = {}): string {
  const merged = { ...filters, ...change };
  const params = new URLSearchParams();
  for (const key of ['pipeline', 'phase', 'owner', 'site', 'range', 'since', 'until', 'cursor'] as const) {
    const value = merged[key];
    if (value !== undefined) params.set(key, value);
  }
  if (merged.stale === true) params.set('stale', 'true');
  for (const state of merged.states) params.append('state', state);
  return params.toString();
}

/** The filters of a query string made by {@link filterQuery} (as a form's hidden field carries it). */
export function parseFilterString(query: string): ListFilters {
  const params = new URLSearchParams(query);
  return parseFilters({ ...Object.fromEntries(params), state: params.getAll('state') });
}
