import { BUILTIN_VOCABULARIES } from './builtin-vocabularies.js';
import { compileVocabulary, type RawVocabulary } from './compile-vocabulary.js';
import type { PipelineDefinition } from './pipeline-definition.js';
import type { Vocabulary } from './vocabulary.js';

/** A vocabulary problem found in a registry file, in the registry's `{pipeline?, key, reason}` terms. */
interface Problem {
  readonly pipeline?: string;
  readonly key: string;
  readonly reason: string;
}

function prefixed(prefix: string, key: string): string {
  if (key === '') return prefix;
  return key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`;
}

/**
 * Compiles a registry file's vocabularies (after its shape was checked): the named ones under
 * `vocabularies:`, then each pipeline's `vocabulary` — a name (of the file's, or a built-in one:
 * `agave`, `slurm`) or one written inline.
 *
 * @returns each pipeline's vocabulary by pipeline name, or every problem found.
 */
export function resolveVocabularies(
  named: Readonly<Record<string, RawVocabulary>>,
  pipelines: readonly PipelineDefinition[],
): { readonly byPipeline: ReadonlyMap<string, Vocabulary> } | { readonly problems: Problem[] } {
  const problems: Problem[] = [];
  const known = new Map(BUILTIN_VOCABULARIES);
  for (const [name, raw] of Object.entries(named)) {
    const key = `vocabularies.${name}`;
    if (BUILTIN_VOCABULARIES.has(name)) {
      problems.push({ key, reason: `redefines the built-in vocabulary ${name}; choose another name` });
      continue;
    }
    const compiled = compileVocabulary(name, raw);
    if ('problems' in compiled) problems.push(...compiled.problems.map((p) => ({ ...p, key: prefixed(key, p.key) })));
    else known.set(name, compiled.vocabulary);
  }
  const byPipeline = new Map<string, Vocabulary>();
  for (const pipeline of pipelines) {
    const declared = pipeline.vocabulary;
    if (declared === undefined) continue;
    if (typeof declared === 'string') {
      const vocabulary = known.get(declared);
      if (vocabulary !== undefined) byPipeline.set(pipeline.name, vocabulary);
      else if (!Object.hasOwn(named, declared)) {
        const names = [...new Set([...Object.keys(named), ...BUILTIN_VOCABULARIES.keys()])].sort();
        problems.push({
          pipeline: pipeline.name,
          key: 'vocabulary',
          reason: `names no vocabulary "${declared}"; known: ${names.join(', ')}`,
        });
      }
      continue;
    }
    const compiled = compileVocabulary(`pipeline ${pipeline.name}`, declared);
    if ('problems' in compiled)
      problems.push(
        ...compiled.problems.map((p) => ({
          pipeline: pipeline.name,
          key: prefixed('vocabulary', p.key),
          reason: p.reason,
        })),
      );
    else byPipeline.set(pipeline.name, compiled.vocabulary);
  }
  return problems.length > 0 ? { problems } : { byPipeline };
}
