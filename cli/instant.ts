import { hasDurationUnit, parseDuration } from './duration.js';
import { usageError } from './output.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:\d{2})?$/i;

/** `YYYY-MM-DD` at 00:00 UTC, or undefined for a day that does not exist (2026-02-30). */
function dayStart(date: string): Date | undefined {
  const start = new Date(`${date}T00:00:00.000Z`);
  return Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== date ? undefined : start;
}

/**
 * The instant a time flag names, as ISO-8601 UTC: a date (`2026-12-02`: its first instant, UTC),
 * a date-time (`2026-12-02T14:30`, `2026-12-02 14:30:05.123+01:00`; UTC unless it ends with an
 * offset, like every time pjm prints) or a duration back from `now` (`90s`, `30m`, `24h`, `7d`).
 * Anything else is a usage error naming `flag`.
 */
export function parseInstant(flag: string, text: string, now: Date): string {
  const trimmed = text.trim();
  if (hasDurationUnit(trimmed)) return new Date(now.getTime() - parseDuration(trimmed) * 1000).toISOString();
  if (DATE.test(trimmed)) {
    const start = dayStart(trimmed);
    if (start !== undefined) return start.toISOString();
  }
  const parts = DATE_TIME.exec(trimmed);
  if (parts?.[1] !== undefined && dayStart(parts[1]) !== undefined) {
    const instant = new Date(`${parts[1]}T${parts[2] ?? ''}${(parts[3] ?? 'Z').toUpperCase()}`);
    if (!Number.isNaN(instant.getTime())) return instant.toISOString();
  }
  throw usageError(
    `${flag} "${text}" is not a date (2026-12-02), a date-time (2026-12-02T14:30, UTC unless it ends ` +
      `with an offset such as +01:00) or a duration back from now (90s, 30m, 24h, 7d)`,
  );
}
