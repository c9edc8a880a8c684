import type { ErrorObject, ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { PipelineJobsError } from '../errors/index.js';
import { createAjv } from '../schemas/create-ajv.js';
import { clip, pointerToPath } from '../schemas/format-error.js';
import { schemaDocuments } from '../schemas/schema-documents.js';
import type { PipelineDefinition, RegistryFormat } from './pipeline-definition.js';
import { PipelineRegistry } from './pipeline-registry.js';
import type { RawVocabulary } from './compile-vocabulary.js';
import { resolveVocabularies } from './registry-vocabularies.js';
import { retryProblems } from './retry-policy.js';

/** One thing wrong with a registry file: which pipeline (when one), which key, and why. */
export interface RegistryProblem {
  readonly pipeline?: string;
  readonly key: string;
  readonly reason: string;
}

const fileAjv = createAjv('registry');
fileAjv.addSchema(schemaDocuments.common);
fileAjv.addSchema(schemaDocuments.pipelineRegistry);
const REGISTRY_ID = schemaDocuments.pipelineRegistry.$id;
const validateNative = fileAjv.compile({ $ref: `${REGISTRY_ID}#/definitions/native` });
const validateRubin = fileAjv.compile({ $ref: `${REGISTRY_ID}#/definitions/rubin` });

type RawPipeline = Omit<PipelineDefinition, 'name' | 'env'> & { env?: string[] };

function invalid(file: string, problems: readonly RegistryProblem[]): PipelineJobsError {
  const lines = problems.map((p) => {
    const pipeline = p.pipeline === undefined ? '' : `pipeline "${clip(p.pipeline)}": `;
    const key = p.key === '' ? '' : `key "${clip(p.key)}" `;
    return `${pipeline}${key}${p.reason}`;
  });
  return new PipelineJobsError('invalid_registry', `invalid pipeline registry ${file}: ${lines.join('; ')}`, {
    file,
    errors: problems,
  });
}

/** Splits an ajv error at `/pipelines/<name>/<key…>` (or `/type/…`) into pipeline and key. */
function problemOf(error: ErrorObject): RegistryProblem {
  const params = error.params as Record<string, unknown>;
  const extra =
    typeof params['additionalProperty'] === 'string'
      ? params['additionalProperty']
      : typeof params['missingProperty'] === 'string'
        ? params['missingProperty']
        : undefined;
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const reason =
    error.keyword === 'additionalProperties'
      ? 'is not a known key'
      : error.keyword === 'required'
        ? 'is required'
        : error.keyword === 'enum'
          ? `must be one of: ${((params['allowedValues'] as unknown[] | undefined) ?? []).map(String).join(', ')}`
          : (error.message ?? `fails ${error.keyword}`);
  // Named vocabularies belong to no pipeline: the key is their whole path (vocabularies.hrsi.statuses…).
  if (segments[0] === 'vocabularies') {
    if (error.propertyName !== undefined && segments.length === 1)
      return { key: `vocabularies.${error.propertyName}`, reason: 'is not a valid vocabulary name' };
    return { key: pointerToPath(error.instancePath, extra), reason };
  }
  if (error.propertyName !== undefined)
    return {
      pipeline: error.propertyName,
      key: '',
      reason: 'is not a valid pipeline name: letters, digits, ".", "_" and "-", starting with a letter or digit',
    };
  if (segments.length >= 2) {
    const pointer = `/${segments.slice(2).join('/')}`;
    return { pipeline: segments[1] as string, key: pointerToPath(pointer === '/' ? '' : pointer, extra), reason };
  }
  return { key: pointerToPath(error.instancePath, extra), reason };
}

function fileProblems(validate: ValidateFunction): RegistryProblem[] {
  // `propertyNames` and `if` only repeat the error their sub-schema reported.
  return (validate.errors ?? []).filter((e) => e.keyword !== 'propertyNames' && e.keyword !== 'if').map(problemOf);
}

/** The document's form: Rubin's `job_specs.yaml` has a top-level `type:` map and no `pipelines:`. */
function formatOf(document: Record<string, unknown>): RegistryFormat {
  return Object.hasOwn(document, 'type') && !Object.hasOwn(document, 'pipelines') ? 'rubin' : 'pipelines';
}

function definitionsOf(document: Record<string, unknown>, format: RegistryFormat): PipelineDefinition[] {
  const entries = Object.entries(
    (format === 'rubin' ? document['type'] : document['pipelines']) as Record<string, RawPipeline>,
  );
  return entries.map(([name, raw]) => ({ name, ...raw, env: raw.env ?? [] }));
}

/**
 * Parses a registry file's text. Everything is checked before anything is used: YAML syntax,
 * the file's shape (unknown keys are errors), each pipeline's create-data schema, compiled
 * once here (a schema that is not a valid JSON Schema, or uses an unknown keyword, is an error),
 * and the status vocabularies (`registry-vocabularies.ts`).
 *
 * @param text - the file's content (YAML; JSON is YAML too).
 * @param file - the file's name, for messages.
 * @throws PipelineJobsError `invalid_registry`, naming the file, the pipeline and the key;
 *   `details.errors` lists `{pipeline?, key, reason}`.
 */
export function parseRegistry(text: string, file: string): PipelineRegistry {
  const parsed = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (parsed.errors.length > 0) {
    // The first line says what and where ("… at line 4, column 1"); the rest is a source excerpt.
    throw invalid(
      file,
      parsed.errors.map((e) => ({
        key: '',
        reason: `is not valid YAML: ${(e.message.split('\n')[0] ?? '').replace(/:$/, '')}`,
      })),
    );
  }
  // maxAliasCount bounds what YAML aliases may expand to (a "billion laughs" file).
  const document: unknown = parsed.toJS({ maxAliasCount: 100 });
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw invalid(file, [{ key: '', reason: 'must be a mapping with a "pipelines:" (or Rubin "type:") key' }]);
  }
  const record = document as Record<string, unknown>;
  const format = formatOf(record);
  const validate = format === 'rubin' ? validateRubin : validateNative;
  if (!validate(record)) throw invalid(file, fileProblems(validate));
  const pipelines = definitionsOf(record, format);
  // One Ajv per registry: a reload drops the old schemas with the old registry.
  const dataAjv = createAjv('pipeline-data');
  const validators = new Map<string, ValidateFunction>();
  const problems: RegistryProblem[] = [];
  for (const pipeline of pipelines) {
    problems.push(...retryProblems(pipeline.name, pipeline.retry));
    if (pipeline.schema === undefined) continue;
    try {
      validators.set(pipeline.name, dataAjv.compile(pipeline.schema));
    } catch (err) {
      problems.push({
        pipeline: pipeline.name,
        key: 'schema',
        reason: `is not a valid JSON Schema: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  const vocabularies = resolveVocabularies(
    format === 'pipelines' ? ((record['vocabularies'] ?? {}) as Record<string, RawVocabulary>) : {},
    pipelines,
  );
  if ('problems' in vocabularies) problems.push(...vocabularies.problems);
  if (problems.length > 0) throw invalid(file, problems);
  return new PipelineRegistry(
    file,
    format,
    pipelines,
    validators,
    'byPipeline' in vocabularies ? vocabularies.byPipeline : new Map(),
  );
}
