import type { RawVocabulary } from './compile-vocabulary.js';
import type { RetryPolicy } from './retry-policy.js';
import type { HeartbeatPolicy } from './heartbeat-policy.js';

/** The forms a registry file may take: this project's own, or Rubin OCPS's `job_specs.yaml`. */
export type RegistryFormat = 'pipelines' | 'rubin';

/** A pipeline's `launcher` (`schemas/pipeline-registry.schema.json#/definitions/launcher`, docs/pipelines.md). */
export interface LauncherSpec {
  readonly type: 'local' | 'slurm';
  /** local: most jobs of the pipeline one dispatcher runs at once (default {@link DEFAULT_CONCURRENCY}). */
  readonly concurrency?: number;
  /** Where `<job>.out` and `<job>.err` go when the job's data names no `log_dir`. */
  readonly log_dir?: string;
  /** slurm: extra `sbatch` arguments. */
  readonly sbatch?: readonly string[];
}

/** Jobs of one pipeline a dispatcher runs at once with the local launcher, unless the registry says otherwise. */
export const DEFAULT_CONCURRENCY = 4;

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
  /** How a dispatcher runs `script` when a job is created; absent: jobs are only tracked. */
  readonly launcher?: LauncherSpec;
  /** The retry policy (docs/retries.md); absent: a failed job stays FAILED. */
  readonly retry?: RetryPolicy;
  /** The heartbeat policy (`registry/heartbeat-policy.ts`, docs/heartbeats.md). */
  readonly heartbeat?: HeartbeatPolicy;
}
