import type { HistoryEntry, JobState } from './job.js';
import { isJobNoteName } from './job-notes.js';

/**
 * One line of a job's status-change log, HR-S&I's `job_status_changes` view of the history
 * (seed-systems.md §4.2): when, the canonical state, the phase in effect, the error it raised.
 */
export interface StatusChange {
  /** When the entry was applied. */
  readonly time: string;
  readonly state: JobState;
  /** The event or note that made the change. */
  readonly event: HistoryEntry['name'];
  readonly source: string;
  readonly version: number;
  /** The phase in effect after the entry (a status vocabulary's label), when one was ever set. */
  readonly phase?: string;
  /** True when the entry raised an error: it made the job FAILED. */
  readonly error: boolean;
  readonly errorSubtype?: string;
  readonly errorMessage?: string;
  readonly exitCode?: number;
  /** The job's attempt the entry belongs to (docs/retries.md): 1, then each policy `ready` starts the next. */
  readonly attempt: number;
}

function text(data: HistoryEntry['data'], ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = data?.[key];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * The status-change log of a history (oldest first): every entry that changed the state or the
 * phase, every `fail` and every note; self-loops that changed neither (`update`, `resource`) are
 * left out. A fail's error subtype is its data's `error_subtype` (else `code`, as a launch
 * failure gives), its message `error_message` (else `reason`, as Slurm gives, else `message`).
 */
export function statusChanges(history: readonly HistoryEntry[]): StatusChange[] {
  const changes: StatusChange[] = [];
  let state: JobState | undefined;
  let phase: string | undefined;
  let attempt = 1;
  for (const entry of history) {
    const moved = entry.state !== state || (entry.phase !== undefined && entry.phase !== phase);
    const ready = entry.name === 'ready' && entry.source.startsWith('policy:');
    if (ready && typeof entry.data?.['attempt'] === 'number') attempt = entry.data['attempt'];
    state = entry.state;
    phase = entry.phase ?? phase;
    if (!moved && entry.name !== 'fail' && !isJobNoteName(entry.name)) continue;
    const failed = entry.name === 'fail';
    const subtype = failed ? text(entry.data, 'error_subtype', 'code') : undefined;
    const message = failed ? text(entry.data, 'error_message', 'reason', 'message') : undefined;
    const exitCode = failed ? entry.data?.['exit_code'] : undefined;
    changes.push({
      time: entry.date,
      state: entry.state,
      event: entry.name,
      source: entry.source,
      version: entry.version,
      ...(phase !== undefined && { phase }),
      error: failed,
      ...(subtype !== undefined && { errorSubtype: subtype }),
      ...(message !== undefined && { errorMessage: message }),
      ...(typeof exitCode === 'number' && { exitCode }),
      attempt,
    });
  }
  return changes;
}
