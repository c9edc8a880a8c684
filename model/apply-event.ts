import { acceptedLater, nextState, type JobEventName, type JobState } from '../fsm/index.js';
import type { JobStore } from '../ports/job-store.js';
import { phaseRefusal, translateStatus, type Vocabulary } from '../registry/vocabulary.js';
import type { HistoryEntry, JobDocument } from './job.js';
import { unknownJob, type Deferred, type EventOutcome, type Rejected } from './event-outcome.js';
import { applyNote, renewal } from './apply-note.js';
import { isSentNoteName, type SentNoteName } from './job-notes.js';

/**
 * A validated event for an existing job, with its idempotency id already fixed. It names its
 * event, or gives a `status` word that the job pipeline's vocabulary translates (or both: the
 * name wins, the word still gives the phase).
 */
export interface JobEvent {
  readonly id: string;
  readonly uuid: string;
  /** A lifecycle event, or a note (`heartbeat`, `stale`: docs/heartbeats.md). */
  readonly name?: JobEventName | SentNoteName;
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
  /** The heartbeat timeout of a pipeline in ms, as the registry in use says; none: only jobs' own. */
  readonly heartbeatOf?: (pipeline: string) => number | undefined;
}

/** The event's name and phase once its status word (if any) is read with the job's vocabulary. */
function resolve(
  job: JobDocument,
  event: JobEvent & { readonly name?: JobEventName },
  vocabulary: Vocabulary | undefined,
): Rejected | { readonly name: JobEventName; readonly phase?: string } {
  let name = event.name;
  let phase = event.phase;
  if (event.status !== undefined) {
    const translated = translateStatus(event.status, vocabulary, job.pipeline);
    if (translated instanceof Error) return { outcome: 'rejected', code: translated.code, message: translated.message };
    // A word that means a heartbeat was routed to the note before (noteOf).
    if (translated.name !== 'heartbeat') name ??= translated.name;
    phase = translated.phase ?? phase;
  }
  // The schema lets no message through with neither a name nor a status.
  if (name === undefined) return { outcome: 'rejected', code: 'schema_violation', message: 'event.name is required' };
  const refusal = phase === undefined ? undefined : phaseRefusal(vocabulary, job.phase, phase);
  if (refusal !== undefined)
    return { outcome: 'rejected', code: 'illegal_transition', message: `job ${job.uuid}: ${refusal}` };
  return { name, ...(phase !== undefined && { phase }) };
}

/** The note an event stands for: its name, or a status word its job's vocabulary reads as a heartbeat. */
function noteOf(event: JobEvent, vocabulary: Vocabulary | undefined, pipeline: string): SentNoteName | undefined {
  if (event.name !== undefined) return isSentNoteName(event.name) ? event.name : undefined;
  if (event.status === undefined) return undefined;
  const translated = translateStatus(event.status, vocabulary, pipeline);
  return !(translated instanceof Error) && translated.name === 'heartbeat' ? 'heartbeat' : undefined;
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
  event: JobEvent & { readonly name?: JobEventName },
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
    const context = { now: options.now, pipelineTimeoutMs: options.heartbeatOf?.(job.pipeline) };
    const vocabulary = options.vocabularyOf?.(job.pipeline);
    const note = noteOf(event, vocabulary, job.pipeline);
    if (note !== undefined) {
      const outcome = await applyNote(
        store,
        job,
        { id: event.id, uuid: event.uuid, name: note, data: event.data ?? null, source: event.source },
        context,
      );
      if (outcome.outcome === 'rejected' && (await store.findEvent(event.id))?.uuid === event.uuid)
        return { outcome: 'duplicate', job };
      if (outcome.outcome !== 'transient') return outcome;
      continue;
    }
    const { name: named, ...rest } = event;
    const lifecycle = named === undefined ? rest : { ...rest, name: named as JobEventName };
    const check = decideMove(job, lifecycle, vocabulary);
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
    // A reset by hand starts over: the retry policy's verdict no longer holds.
    const restart = name === 'reset' && job.retriesExhausted !== undefined ? { retriesExhausted: null } : undefined;
    const renewed = renewal(job, context);
    // A job that leaves CREATED (run, a mapped status, fail, cancel) can no longer be claimed: its lease ends here.
    const unclaim = job.claim !== undefined && check.to !== 'CREATED' ? { claim: null } : undefined;
    const set =
      restart === undefined && renewed === undefined && unclaim === undefined
        ? undefined
        : { ...renewed, ...restart, ...unclaim };
    const result = await store.apply({
      uuid: event.uuid,
      expected: { state: job.state, version: job.version },
      entry,
      ...(event.detail !== undefined && { detail: event.detail }),
      ...(phase !== undefined && { phase }),
      ...(set !== undefined && { set }),
    });
    if (result.outcome !== 'transient') return result;
  }
  return {
    outcome: 'transient',
    code: 'version_conflict',
    message: `job ${event.uuid} kept changing; gave up after ${maxAttempts} attempts`,
  };
}
