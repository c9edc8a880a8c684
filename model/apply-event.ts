import { acceptedLater, nextState, type JobEventName, type JobState } from '../fsm/index.js';
import type { JobStore } from '../ports/job-store.js';
import { phaseRefusal, translateStatus, type Vocabulary } from '../registry/vocabulary.js';
import type { HistoryEntry, JobDocument } from './job.js';
import { unknownJob, type Deferred, type EventOutcome, type Rejected } from './event-outcome.js';

/**
 * A validated event for an existing job, with its idempotency id already fixed. It names its
 * event, or gives a `status` word that the job pipeline's vocabulary translates (or both: the
 * name wins, the word still gives the phase).
 */
export interface JobEvent {
  readonly id: string;
  readonly uuid: string;
  readonly name?: JobEventName;
  /** A status word of the job pipeline's vocabulary. */
  readonly status?: string;
  /** The phase the event sets; a translated `status` sets its own. */
  readonly phase?: string;
  readonly data?: Record<string, unknown> | null;
  readonly detail?: Record<string, unknown>;
  readonly source: string;
  /** The publisher's per-job sequence number, when it sends one. */
  readonly seq?: number;
}

/** Options of {@link applyEvent}. */
export interface ApplyEventOptions {
  readonly now: Date;
  /** Checks the loaded job before anything else (the token's creator and life); a refusal ends the event. */
  readonly admit?: (job: JobDocument) => Rejected | undefined;
  /** Re-reads after a version conflict before giving up with a `transient` `version_conflict` (default 100). */
  readonly maxAttempts?: number;
  /** The status vocabulary of a pipeline, as the registry in use says; none: no vocabularies. */
  readonly vocabularyOf?: (pipeline: string) => Vocabulary | undefined;
}

/** The event's name and phase once its status word (if any) is read with the job's vocabulary. */
function resolve(
  job: JobDocument,
  event: JobEvent,
  vocabulary: Vocabulary | undefined,
): Rejected | { readonly name: JobEventName; readonly phase?: string } {
  let name = event.name;
  let phase = event.phase;
  if (event.status !== undefined) {
    const translated = translateStatus(event.status, vocabulary, job.pipeline);
    if (translated instanceof Error) return { outcome: 'rejected', code: translated.code, message: translated.message };
    name ??= translated.name;
    phase = translated.phase ?? phase;
  }
  // The schema lets no message through with neither a name nor a status.
  if (name === undefined) return { outcome: 'rejected', code: 'schema_violation', message: 'event.name is required' };
  const refusal = phase === undefined ? undefined : phaseRefusal(vocabulary, job.phase, phase);
  if (refusal !== undefined)
    return { outcome: 'rejected', code: 'illegal_transition', message: `job ${job.uuid}: ${refusal}` };
  return { name, ...(phase !== undefined && { phase }) };
}

/** What the job's sequence number says about a sequenced event: nothing (in order), wait, or refuse. */
function sequenceCheck(job: JobDocument, seq: number | undefined): Deferred | Rejected | undefined {
  if (seq === undefined) return undefined;
  const expected = (job.seq ?? 0) + 1;
  if (seq > expected)
    return {
      outcome: 'deferred',
      code: 'sequence_gap',
      message: `job ${job.uuid} expects seq ${expected}, got ${seq}`,
    };
  if (seq < expected) {
    return {
      outcome: 'rejected',
      code: 'stale_sequence',
      message: `job ${job.uuid} is past seq ${seq} (at ${expected - 1})`,
    };
  }
  return undefined;
}

/** What the machine says about the event in the job's current state. */
function stateCheck(job: JobDocument, name: JobEventName): Deferred | Rejected | { readonly to: JobState } {
  const step = nextState(job.state, name);
  if (step.ok) return { to: step.to };
  if (acceptedLater(job.state, name)) return { outcome: 'deferred', code: 'illegal_transition', message: step.message };
  return { outcome: 'rejected', code: 'illegal_transition', message: step.message };
}

/**
 * The event's name, phase and next state for the job as read, or why it cannot apply (now): its
 * sequence number first (an early event waits for its predecessors before anything else is
 * judged), then its status word and phase move, then the machine.
 */
function decideMove(
  job: JobDocument,
  event: JobEvent,
  vocabulary: Vocabulary | undefined,
): Deferred | Rejected | { readonly name: JobEventName; readonly phase?: string; readonly to: JobState } {
  const sequence = sequenceCheck(job, event.seq);
  if (sequence !== undefined) return sequence;
  const resolved = resolve(job, event, vocabulary);
  if ('outcome' in resolved) return resolved;
  const check = stateCheck(job, resolved.name);
  return 'outcome' in check ? check : { ...resolved, to: check.to };
}

/**
 * Load → vocabulary (status word → event and phase; the phase move against the transition table)
 * → machine → conditional write, retried on a version conflict (another writer moved the
 * job in between). The one place the lifecycle rules meet the store. Every refusal is returned;
 * only a store failure throws.
 */
export async function applyEvent(store: JobStore, event: JobEvent, options: ApplyEventOptions): Promise<EventOutcome> {
  const maxAttempts = options.maxAttempts ?? 100;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const job = await store.get(event.uuid);
    if (job === undefined) return unknownJob(event.uuid);
    const refusal = options.admit?.(job);
    if (refusal !== undefined) return refusal;
    const check = decideMove(job, event, options.vocabularyOf?.(job.pipeline));
    if ('outcome' in check) {
      // A replay of an event applied earlier can be refused by now (run after finish): it is a duplicate.
      const seen = await store.findEvent(event.id);
      if (seen?.uuid === event.uuid) return { outcome: 'duplicate', job };
      return check;
    }
    const { name, phase } = check;
    const entry: HistoryEntry = {
      id: event.id,
      name,
      date: options.now.toISOString(),
      data: event.data ?? null,
      source: event.source,
      state: check.to,
      version: job.version + 1,
      ...(event.seq !== undefined && { seq: event.seq }),
      ...(phase !== undefined && { phase }),
    };
    const result = await store.apply({
      uuid: event.uuid,
      expected: { state: job.state, version: job.version },
      entry,
      ...(event.detail !== undefined && { detail: event.detail }),
      ...(phase !== undefined && { phase }),
      // A job that leaves CREATED (run, a mapped status, fail, cancel) can no longer be claimed: its lease ends here.
      ...(job.claim !== undefined && check.to !== 'CREATED' && { set: { claim: null } }),
    });
    if (result.outcome !== 'transient') return result;
  }
  return {
    outcome: 'transient',
    code: 'version_conflict',
    message: `job ${event.uuid} kept changing; gave up after ${maxAttempts} attempts`,
  };
}
