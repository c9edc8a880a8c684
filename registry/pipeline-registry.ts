import type { ValidateFunction } from 'ajv';
import type { PipelineJobsError } from '../errors/index.js';
import { toValidationErrors } from '../schemas/format-error.js';
import type { LauncherSpec, PipelineDefinition, RegistryFormat } from './pipeline-definition.js';
import type { Vocabulary } from './vocabulary.js';
import { heartbeatTimeoutOf } from './heartbeat-policy.js';

/** A loaded, validated registry: its pipelines, their compiled create-data schemas and vocabularies. Immutable. */
export class PipelineRegistry {
  /** The file it was read from, as named to the loader. */
  readonly file: string;
  readonly format: RegistryFormat;
  readonly #pipelines: ReadonlyMap<string, PipelineDefinition>;
  readonly #validators: ReadonlyMap<string, ValidateFunction>;
  readonly #vocabularies: ReadonlyMap<string, Vocabulary>;

  constructor(
    file: string,
    format: RegistryFormat,
    pipelines: readonly PipelineDefinition[],
    validators: ReadonlyMap<string, ValidateFunction>,
    vocabularies: ReadonlyMap<string, Vocabulary> = new Map(),
  ) {
    this.file = file;
    this.format = format;
    this.#pipelines = new Map(pipelines.map((p) => [p.name, p]));
    this.#validators = validators;
    this.#vocabularies = vocabularies;
  }

  /** The pipeline's status vocabulary, compiled; undefined when it has none or is not listed. */
  vocabularyOf(name: string): Vocabulary | undefined {
    return this.#vocabularies.get(name);
  }

  /** The pipeline names, sorted. */
  names(): string[] {
    return [...this.#pipelines.keys()].sort();
  }

  /** Every pipeline, sorted by name. */
  list(): PipelineDefinition[] {
    return this.names().map((name) => this.#pipelines.get(name) as PipelineDefinition);
  }

  /** The pipeline's heartbeat timeout in ms (registry `heartbeat.timeout`); undefined without one. */
  heartbeatOf(name: string): number | undefined {
    return heartbeatTimeoutOf(this.#pipelines.get(name)?.heartbeat);
  }

  get(name: string): PipelineDefinition | undefined {
    return this.#pipelines.get(name);
  }

  /**
   * The launcher of a pipeline with a script: its own `launcher`, or, in Rubin's `job_specs.yaml`
   * form (which has no launcher key), one of type `rubinDefault` (`PJM_RUBIN_LAUNCHER`).
   * Undefined when the pipeline is not listed or is not launchable.
   */
  launcherOf(name: string, rubinDefault: LauncherSpec['type']): LauncherSpec | undefined {
    const pipeline = this.#pipelines.get(name);
    if (pipeline?.script === undefined) return undefined;
    if (pipeline.launcher !== undefined) return pipeline.launcher;
    return this.format === 'rubin' ? { type: rubinDefault } : undefined;
  }

  /**
   * Checks a create's `data` against the pipeline's schema: a `schema_violation` naming every bad
   * field (`<label>.data.x is required; …`, details `field` as `data.x`), or undefined when it
   * passes, has no schema, or the pipeline is not listed.
   */
  checkData(name: string, data: unknown, label: string): PipelineJobsError | undefined {
    const validate = this.#validators.get(name);
    if (validate === undefined || validate(data)) return undefined;
    // Paths are reported from the request's root, as the request schema reports them.
    const errors = (validate.errors ?? []).map((e) => ({ ...e, instancePath: `/data${e.instancePath}` }));
    return toValidationErrors(label, errors);
  }
}
