import { usageError } from './output.js';

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };
const DURATION = /^(\d+)([smhd]?)$/;

/** Seconds in a duration such as `90s`, `30m`, `24h`, `7d` (a bare number is seconds). */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (match?.[1] === undefined) throw usageError(`"${text}" is not a duration such as 90s, 30m, 24h or 7d`);
  const seconds = Number(match[1]) * (UNITS[match[2] || 's'] ?? 1);
  if (seconds < 1) throw usageError('a duration must be at least 1 second');
  return seconds;
}

/**
 * Whether `text` is a duration with its unit written out (`90s`, not
 * `90`): where a bare number could mean something else.
 */
export function hasDurationUnit(text: string): boolean {
  const unit = DURATION.exec(text.trim())?.[2];
  return unit !== undefined && unit !== '';
}
