import type { StatusEventName } from './vocabulary.js';
import { pointerToPath } from '../schemas/format-error.js';
import type { ListedStatus, PhaseTransitions, StatusMeaning, Vocabulary } from './vocabulary.js';

/**
 * A status word's meaning as a registry file writes it: an event name alone (the word becomes the
 * phase), or `{event, phase}` where `phase` is a label (several words may share one), `null` (the
 * phase is left as it is) or absent (the word becomes the phase).
 */
export type RawStatusMeaning = StatusEventName | { readonly event: StatusEventName; readonly phase?: string | null };

/** A vocabulary as a registry file writes it (`pipeline-registry.schema.json#/definitions/vocabulary`). */
export interface RawVocabulary {
  readonly description?: string;
  readonly statuses: Readonly<Record<string, RawStatusMeaning>>;
  /** The meaning of any word not listed (free-form statuses); a phase left out is the word as sent. */
  readonly otherwise?: RawStatusMeaning;
  /** Phases a job may take first; `*`: any. Only with `transitions`. */
  readonly initial?: readonly string[];
  /** Phase → the phases that may follow it (`*`: any); every phase a word sets must have an entry. */
  readonly transitions?: Readonly<Record<string, readonly string[]>>;
}

/** One thing wrong with a vocabulary: the key under the vocabulary, and why. */
export interface VocabularyProblem {
  readonly key: string;
  readonly reason: string;
}

const ANY = '*';

function keyOf(...segments: string[]): string {
  return pointerToPath(`/${segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`);
}

function meaningOf(word: string | undefined, raw: RawStatusMeaning): StatusMeaning {
  if (typeof raw === 'string') return word === undefined ? { event: raw } : { event: raw, phase: word };
  const phase = raw.phase === undefined ? word : (raw.phase ?? undefined);
  return { event: raw.event, ...(phase !== undefined && { phase }) };
}

/** The phases a list allows (`*` anywhere: any), each checked to be declared. */
function allowedSet(
  list: readonly string[],
  phases: ReadonlySet<string>,
  key: string,
  problems: VocabularyProblem[],
): ReadonlySet<string> | 'any' {
  if (list.includes(ANY)) return 'any';
  for (const phase of list)
    if (!phases.has(phase))
      problems.push({ key, reason: `names phase "${phase}", which no status of the vocabulary sets` });
  return new Set(list);
}

function compileTransitions(
  raw: RawVocabulary,
  phases: ReadonlySet<string>,
  problems: VocabularyProblem[],
): PhaseTransitions | undefined {
  if (raw.transitions === undefined) {
    if (raw.initial !== undefined) problems.push({ key: 'initial', reason: 'needs "transitions" (it is their start)' });
    return undefined;
  }
  if (raw.otherwise !== undefined && meaningOf(undefined, raw.otherwise).phase === undefined) {
    const keeps = typeof raw.otherwise !== 'string' && raw.otherwise.phase === null;
    if (!keeps)
      problems.push({
        key: 'otherwise',
        reason: 'makes every unlisted word a phase, which a transition table cannot list; give it a phase or null',
      });
  }
  const next = new Map<string, ReadonlySet<string> | 'any'>();
  for (const [from, list] of Object.entries(raw.transitions)) {
    const key = keyOf('transitions', from);
    if (!phases.has(from))
      problems.push({ key, reason: `names phase "${from}", which no status of the vocabulary sets` });
    next.set(from, allowedSet(list, phases, key, problems));
  }
  for (const phase of phases)
    if (!next.has(phase))
      problems.push({
        key: 'transitions',
        reason: `has no entry for phase "${phase}" (write ${phase}: [] for a final one)`,
      });
  const initial = raw.initial === undefined ? 'any' : allowedSet(raw.initial, phases, 'initial', problems);
  return { initial, next };
}

/**
 * Compiles a vocabulary as a registry file (or a built-in definition) writes it, after its shape
 * was checked against the registry schema. Checks what the schema cannot: a word listed twice
 * (words match case-insensitively), a transition naming a phase no word sets, a phase missing from
 * the transition table, `initial` without `transitions`.
 *
 * @param name - the vocabulary's name (`hrsi`), or `pipeline <name>` for an inline one.
 * @returns the vocabulary, or every problem found (keys relative to the vocabulary).
 */
export function compileVocabulary(
  name: string,
  raw: RawVocabulary,
): { readonly vocabulary: Vocabulary } | { readonly problems: VocabularyProblem[] } {
  const problems: VocabularyProblem[] = [];
  const statuses = new Map<string, ListedStatus>();
  const phases = new Set<string>();
  for (const [word, rawMeaning] of Object.entries(raw.statuses)) {
    const folded = word.toLowerCase();
    const earlier = statuses.get(folded);
    if (earlier !== undefined) {
      problems.push({
        key: keyOf('statuses', word),
        reason: `repeats word "${earlier.word}" (words match case-insensitively)`,
      });
      continue;
    }
    const meaning = meaningOf(word, rawMeaning);
    statuses.set(folded, { word, ...meaning });
    if (meaning.phase !== undefined) phases.add(meaning.phase);
  }
  let otherwise: Vocabulary['otherwise'];
  if (raw.otherwise !== undefined) {
    const meaning = meaningOf(undefined, raw.otherwise);
    const phaseIsWord = typeof raw.otherwise === 'string' || raw.otherwise.phase === undefined;
    otherwise = { ...meaning, phaseIsWord };
    if (meaning.phase !== undefined) phases.add(meaning.phase);
  }
  const transitions = compileTransitions(raw, phases, problems);
  if (problems.length > 0) return { problems };
  return {
    vocabulary: {
      name,
      ...(raw.description !== undefined && { description: raw.description }),
      statuses,
      phases,
      ...(otherwise !== undefined && { otherwise }),
      ...(transitions !== undefined && { transitions }),
    },
  };
}
