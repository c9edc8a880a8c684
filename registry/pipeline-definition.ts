import type { RawVocabulary } from './compile-vocabulary.js';

/** The forms a registry file may take: this project's own, or Rubin OCPS's `job_specs.yaml`. */
export type RegistryFormat = 'pipelines' | 'rubin';

/** One pipeline as the registry declares it (`schemas/pipeline-registry.schema.json`). */
export interface PipelineDefinition {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the create request's `data`; any data is accepted without one. */
  readonly schema?: Readonly<Record<string, unknown>>;
  /** Environment variables a run of the pipeline needs (Rubin's `env`). */
  readonly env: readonly string[];
  /** The command a launcher runs (Rubin's `script`). */
  readonly script?: string;
  /** The status vocabulary as written: a vocabulary's name (the file's, or built-in `agave`/`slurm`), or one inline. */
  readonly vocabulary?: string | RawVocabulary;
  /** Reserved for the launcher, and the retry and heartbeat policies: accepted, not interpreted yet. */
  readonly launcher?: Readonly<Record<string, unknown>>;
  readonly retry?: Readonly<Record<string, unknown>>;
  readonly heartbeat?: Readonly<Record<string, unknown>>;
}
