import { compileVocabulary, type RawVocabulary } from './compile-vocabulary.js';
import { translateStatus, type TranslatedStatus, type Vocabulary } from './vocabulary.js';

/**
 * Agave/Tapis v2 job statuses, after SD2E python-datacatalog's `AgaveEvents` map
 * (`linkedstores/pipelinejob/mappings.py`) with one correction: SD2E maps UPDATED to `updated`,
 * which is not an event and made the manager raise, so UPDATED is `update` here. A job status
 * becomes the job's phase; notification-only words (record created, updated, deleted,
 * permissions, heartbeat) leave it as it is, and so does an unknown word (`update`, as SD2E's
 * manager defaulted). HEARTBEAT is a heartbeat: it renews the job's lease (docs/heartbeats.md).
 */
const AGAVE: RawVocabulary = {
  description: 'Agave/Tapis v2 job notifications (POST /callbacks/agave)',
  statuses: {
    CREATED: { event: 'resource', phase: null },
    UPDATED: { event: 'update', phase: null },
    DELETED: { event: 'fail', phase: null },
    PERMISSION_GRANT: { event: 'resource', phase: null },
    PERMISSION_REVOKE: { event: 'resource', phase: null },
    PENDING: 'resource',
    PROCESSING_INPUTS: 'resource',
    STAGING_INPUTS: 'resource',
    STAGED: 'resource',
    STAGING_JOB: 'resource',
    SUBMITTING: 'resource',
    QUEUED: 'resource',
    RUNNING: 'run',
    PAUSED: 'resource',
    CLEANING_UP: 'resource',
    ARCHIVING: 'resource',
    ARCHIVING_FINISHED: 'resource',
    FINISHED: 'finish',
    // SD2E keeps a killed job RUNNING rather than failing it.
    KILLED: 'update',
    FAILED: 'fail',
    STOPPED: 'fail',
    ARCHIVING_FAILED: 'fail',
    HEARTBEAT: { event: 'heartbeat', phase: null },
  },
  otherwise: { event: 'update', phase: null },
};

/**
 * What a Slurm MailProg notification reports, as one word (mapping of seed-systems.md §6): the
 * job state of an end mail (COMPLETED, FAILED, TIMEOUT…, MIXED for an array summary), else what
 * the mail is about (BEGAN, REQUEUED, TIME_LIMIT, STAGE_OUT, INVALID_DEPENDENCY, ARRAY_TASK for
 * the end of one task of an `ARRAY_TASKS` array). `http/bridge/slurm-event.ts` reads the word
 * off the subject. CANCELLED fails the job: `cancel` is only legal before RUNNING.
 */
const SLURM: RawVocabulary = {
  description: 'Slurm MailProg notifications (POST /callbacks/slurm, pjm slurm-mail)',
  statuses: {
    BEGAN: { event: 'run', phase: 'RUNNING' },
    COMPLETED: 'finish',
    FAILED: 'fail',
    TIMEOUT: 'fail',
    NODE_FAIL: 'fail',
    OUT_OF_MEMORY: 'fail',
    BOOT_FAIL: 'fail',
    DEADLINE: 'fail',
    CANCELLED: 'fail',
    MIXED: 'fail',
    // A preempted job is requeued or cancelled, and another mail says which.
    PREEMPTED: 'update',
    REQUEUED: 'update',
    STAGE_OUT: 'update',
    // A time-limit warning: with a grace period the job runs on.
    TIME_LIMIT: { event: 'update', phase: null },
    INVALID_DEPENDENCY: { event: 'update', phase: null },
    // The pipeline job follows the whole array, not its tasks.
    ARRAY_TASK: { event: 'update', phase: null },
  },
  otherwise: { event: 'update', phase: null },
};

/**
 * Photon Ranch observatory job statuses (LCOGT photonranch-jobs README, seed-systems.md §3): the
 * words a site reports through `updatejobstatus`. Statuses there are free-form, so any other word
 * is progress: an `update` whose phase is the word as sent. The Photon Ranch routes
 * (`http/photonranch/`) translate with it; a pipeline may name it in the registry too.
 */
const PHOTONRANCH: RawVocabulary = {
  description: 'Photon Ranch observatory jobs (photonranch-jobs README); any other word is progress',
  statuses: {
    UNREAD: 'update',
    RECEIVED: 'resource',
    STARTED: 'run',
    EXPOSING: 'update',
    COMPLETE: 'finish',
    COMPLETED: { event: 'finish', phase: 'COMPLETE' },
    FAILED: 'fail',
    CANCELLED: 'cancel',
  },
  otherwise: 'update',
};

function builtIn(name: string, raw: RawVocabulary): Vocabulary {
  const compiled = compileVocabulary(name, raw);
  if ('problems' in compiled) throw new Error(`built-in vocabulary ${name}: ${JSON.stringify(compiled.problems)}`);
  return compiled.vocabulary;
}

/** The vocabularies every registry knows by name (a file may not redefine them). */
export const BUILTIN_VOCABULARIES: ReadonlyMap<string, Vocabulary> = new Map([
  ['agave', builtIn('agave', AGAVE)],
  ['slurm', builtIn('slurm', SLURM)],
  ['photonranch', builtIn('photonranch', PHOTONRANCH)],
]);

/** The definitions as a registry file would write them (`pjm pipelines show`, tests). */
export const BUILTIN_VOCABULARY_DEFINITIONS: Readonly<Record<string, RawVocabulary>> = {
  agave: AGAVE,
  slurm: SLURM,
  photonranch: PHOTONRANCH,
};

/** The names of the built-in vocabularies. */
export type BuiltinVocabulary = 'agave' | 'slurm' | 'photonranch';

/**
 * A word of a built-in vocabulary, translated by {@link translateStatus}. Built-ins declare
 * `otherwise`, so every word has a meaning.
 */
export function builtinStatus(vocabulary: BuiltinVocabulary, word: string): TranslatedStatus {
  const translated = translateStatus(word, BUILTIN_VOCABULARIES.get(vocabulary), vocabulary);
  if (translated instanceof Error) throw translated;
  return translated;
}

/** True when the built-in vocabulary lists `word` (not only its `otherwise`). */
export function builtinLists(vocabulary: BuiltinVocabulary, word: string): boolean {
  return BUILTIN_VOCABULARIES.get(vocabulary)?.statuses.has(word.trim().toLowerCase()) === true;
}
