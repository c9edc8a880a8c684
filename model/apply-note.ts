import { nextState } from '../fsm/index.js';
import type { ApplySet, JobStore } from '../ports/job-store.js';
import type { EventOutcome, Rejected } from './event-outcome.js';
import { heartbeatTimeoutMs, leaseUntil, LIVE_STATES } from './heartbeat.js';
import type { HistoryEntry, JobDocument } from './job.js';
import type { SentNoteName } from './job-notes.js';

/** A note to apply, as {@link applyEvent} hands it over. */
export interface NoteEvent {
  readonly id: string;
  readonly uuid: string;
  readonly name: SentNoteName;
  readonly data: Record<string, unknown> | null;
  readonly source: string;
}

/** What a note needs besides the job and the event. */
export interface NoteContext {
  readonly now: Date;
  /** The heartbeat timeout of the job's pipeline (registry `heartbeat.timeout`), in ms. */
  readonly pipelineTimeoutMs: number | undefined;
}

/**
 * The job fields every applied event changes besides its own: the lease renewed to now + the
 * timeout (when one applies), and the stale flag cleared.
 */
export function renewal(job: JobDocument, context: NoteContext): ApplySet | undefined {
  const timeout = heartbeatTimeoutMs(job, context.pipelineTimeoutMs);
  const set: ApplySet = {
    ...(timeout !== undefined && { heartbeat: { until: leaseUntil(context.now, timeout) } }),
    ...(job.stale !== undefined && { stale: null }),
  };
  return Object.keys(set).length > 0 ? set : undefined;
}

function refused(code: Rejected['code'], message: string): Rejected {
  return { outcome: 'rejected', code, message };
}

function noteEntry(job: JobDocument, event: NoteEvent, now: Date): HistoryEntry {
  return {
    id: event.id,
    name: event.name,
    date: now.toISOString(),
    data: event.data,
    source: event.source,
    state: job.state,
    version: job.version + 1,
  };
}

/**
 * A heartbeat (docs/heartbeats.md): the first one, and the first after a stale mark, is a note
 * (history entry, notification, the flag cleared); any other only renews the lease and counts,
 * with the store's atomic `beat` — no entry, no version — and ends as a `duplicate` (nothing new
 * in the history). `transient` when the job moved in between: read it again.
 */
async function applyHeartbeat(
  store: JobStore,
  job: JobDocument,
  event: NoteEvent,
  context: NoteContext,
): Promise<EventOutcome> {
  if (!nextState(job.state, 'update').ok)
    return refused('job_not_live', `job ${job.uuid} is ${job.state}: it expects no heartbeat`);
  const at = context.now.toISOString();
  const timeout = heartbeatTimeoutMs(job, context.pipelineTimeoutMs);
  const until = timeout === undefined ? undefined : leaseUntil(context.now, timeout);
  const count = job.heartbeat?.count;
  if (count !== undefined && job.stale === undefined) {
    const beaten = await store.beat({
      uuid: job.uuid,
      state: job.state,
      version: job.version,
      at,
      ...(until !== undefined && { until }),
    });
    if (beaten === undefined)
      return { outcome: 'transient', code: 'version_conflict', message: `job ${job.uuid} moved during a beat` };
    return { outcome: 'duplicate', job: beaten };
  }
  return store.apply({
    uuid: job.uuid,
    expected: { state: job.state, version: job.version },
    entry: noteEntry(job, event, context.now),
    set: {
      heartbeat: { count: (count ?? 0) + 1, last: at, ...(until !== undefined && { until }) },
      ...(job.stale !== undefined && { stale: null }),
    },
  });
}

/**
 * A stale mark (a reaper's): applies only while the lease it names (`data.until`) is still the
 * job's and still expired at write time — the store's write is conditional on the lease end, so
 * a beat that renewed it in between wins — and the job is live and not flagged already.
 */
async function applyStale(
  store: JobStore,
  job: JobDocument,
  event: NoteEvent,
  context: NoteContext,
): Promise<EventOutcome> {
  const until = event.data?.['until'];
  if (typeof until !== 'string') return refused('schema_violation', 'a stale mark needs data.until (the lease end)');
  const lease = job.heartbeat?.until;
  if (
    !LIVE_STATES.includes(job.state) ||
    job.stale !== undefined ||
    lease !== until ||
    lease > context.now.toISOString()
  )
    return refused(
      'lease_not_expired',
      `job ${job.uuid}: the lease that ended at ${until} was renewed or the job moved`,
    );
  return store.apply({
    uuid: job.uuid,
    expected: { state: job.state, version: job.version, leaseUntil: until },
    entry: noteEntry(job, event, context.now),
    set: { stale: { since: context.now.toISOString(), until } },
  });
}

/** Applies a note to the job as read; a `transient` outcome asks for a fresh read. */
export function applyNote(
  store: JobStore,
  job: JobDocument,
  event: NoteEvent,
  context: NoteContext,
): Promise<EventOutcome> {
  return event.name === 'heartbeat'
    ? applyHeartbeat(store, job, event, context)
    : applyStale(store, job, event, context);
}
