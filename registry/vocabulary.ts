import { PipelineJobsError } from '../errors/index.js';
import type { JobEventName } from '../model/job.js';
import { clip } from '../schemas/format-error.js';

/**
 * What a status word may stand for: a machine event, or a heartbeat (Agave HEARTBEAT), which renews
 * the job's lease without moving it (docs/heartbeats.md).
 */
export type StatusEventName = JobEventName | 'heartbeat';

/** What one status word means: the canonical event it stands for and the phase it gives the job. */
export interface StatusMeaning {
  readonly event: StatusEventName;
  /** The job's phase after the event; absent: the phase is left as it is. */
  readonly phase?: string;
}

/** A word a vocabulary lists, as declared, with its meaning. */
export interface ListedStatus extends StatusMeaning {
  readonly word: string;
}

/** Which phase may follow which (HR-S&I's transition table); a vocabulary without one allows any move. */
export interface PhaseTransitions {
  /** Phases a job may take when it has none yet (or one this vocabulary does not declare); `any`: every phase. */
  readonly initial: ReadonlySet<string> | 'any';
  /** For each declared phase, the phases that may follow it (itself only if listed). */
  readonly next: ReadonlyMap<string, ReadonlySet<string> | 'any'>;
}

/**
 * A status vocabulary, compiled (`compile-vocabulary.ts`): an external system's status words
 * mapped to canonical events and phases. Immutable.
 */
export interface Vocabulary {
  /** `agave`, `hrsi`…, or `pipeline <name>` for one declared inline in a pipeline. */
  readonly name: string;
  readonly description?: string;
  /** Word folded to lower case → meaning (words match case-insensitively). */
  readonly statuses: ReadonlyMap<string, ListedStatus>;
  /** Every phase a word of this vocabulary sets. */
  readonly phases: ReadonlySet<string>;
  /**
   * The meaning of a word not listed (free-form statuses); absent: such a word is refused. With
   * `phase` absent and `phaseIsWord`, the word as sent becomes the phase.
   */
  readonly otherwise?: StatusMeaning & { readonly phaseIsWord: boolean };
  readonly transitions?: PhaseTransitions;
}

/** A status word translated: the event to apply and the phase it sets, if any. */
export interface TranslatedStatus {
  readonly name: StatusEventName;
  readonly phase?: string;
}

/**
 * The one translation of a status word into a canonical event and a phase, used by every way in:
 * the bridge (`POST /events` with `status`, the Agave and Slurm callbacks with their built-in
 * vocabularies) and the manager (an event published on the bus with a `status`). Words match
 * case-insensitively (surrounding blanks ignored); a listed word's phase is spelled as the
 * vocabulary declares it, a free-form word (`otherwise`) keeps the spelling it was sent with.
 *
 * @param word - the external status word.
 * @param vocabulary - the job's vocabulary; undefined when its pipeline has none.
 * @param pipeline - the job's pipeline, for messages.
 * @returns the translation, or an `unknown_status` error (never thrown).
 */
export function translateStatus(
  word: string,
  vocabulary: Vocabulary | undefined,
  pipeline: string,
): TranslatedStatus | PipelineJobsError {
  const trimmed = word.trim();
  if (vocabulary === undefined) {
    return new PipelineJobsError(
      'unknown_status',
      `status "${clip(trimmed)}" cannot be read: pipeline "${clip(pipeline)}" has no status vocabulary; ` +
        'send an event name',
      { status: clip(trimmed), pipeline: clip(pipeline) },
    );
  }
  const meaning = vocabulary.statuses.get(trimmed.toLowerCase());
  if (meaning !== undefined)
    return { name: meaning.event, ...(meaning.phase !== undefined && { phase: meaning.phase }) };
  const otherwise = vocabulary.otherwise;
  if (otherwise !== undefined && trimmed !== '') {
    const phase = otherwise.phase ?? (otherwise.phaseIsWord ? trimmed : undefined);
    return { name: otherwise.event, ...(phase !== undefined && { phase }) };
  }
  const known = statusWords(vocabulary);
  return new PipelineJobsError(
    'unknown_status',
    `status "${clip(trimmed)}" is not a word of vocabulary ${vocabulary.name} (pipeline "${clip(pipeline)}"); ` +
      `its words: ${known.join(', ')}`,
    { status: clip(trimmed), pipeline: clip(pipeline), vocabulary: vocabulary.name, known },
  );
}

/** The vocabulary's words as declared, in declaration order. */
export function statusWords(vocabulary: Vocabulary): string[] {
  return [...vocabulary.statuses.values()].map((listed) => listed.word);
}

/**
 * Why a job may not move from phase `from` to phase `to` under the vocabulary's transition
 * table, or undefined when it may (always, without a table). A current phase the vocabulary does
 * not declare counts as none yet. Checked by the manager on the job it read; the version-conditional
 * write then makes the check and the move one atomic step.
 */
export function phaseRefusal(
  vocabulary: Vocabulary | undefined,
  from: string | undefined,
  to: string,
): string | undefined {
  const table = vocabulary?.transitions;
  if (vocabulary === undefined || table === undefined) return undefined;
  if (!vocabulary.phases.has(to)) return `phase "${clip(to)}" is not a phase of vocabulary ${vocabulary.name}`;
  const current = from !== undefined && vocabulary.phases.has(from) ? from : undefined;
  const allowed = current === undefined ? table.initial : table.next.get(current);
  if (allowed === 'any' || allowed?.has(to) === true) return undefined;
  const listed = allowed === undefined || allowed.size === 0 ? 'none' : [...allowed].join(', ');
  return current === undefined
    ? `vocabulary ${vocabulary.name} does not allow phase "${clip(to)}" first (allowed first: ${listed})`
    : `vocabulary ${vocabulary.name} does not allow phase "${current}" → "${clip(to)}" (allowed after ` +
        `"${current}": ${listed})`;
}
