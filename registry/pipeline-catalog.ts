import { PipelineJobsError } from '../errors/index.js';
import { clip } from '../schemas/format-error.js';
import { checkLaunchRequest, type LaunchRules } from './launch-request.js';
import type { PipelineRegistry } from './pipeline-registry.js';
import type { Vocabulary } from './vocabulary.js';

/**
 * The registry a running process uses, swapped whole on reload (SIGHUP): a check reads one
 * registry from start to end, so an event is judged by the old or the new file, never a mix.
 * Without a registry every pipeline is accepted with any data (the embedded tour's case).
 */
export class PipelineCatalog {
  #registry: PipelineRegistry | undefined;
  #strict: boolean;
  readonly #launch: LaunchRules;

  /**
   * @param strict - refuse pipelines the registry does not list (default: when there is a registry).
   * @param launch - where launched jobs may log (`PJM_LOG_ROOT`); kept across reloads.
   */
  constructor(registry?: PipelineRegistry, strict?: boolean, launch: LaunchRules = {}) {
    this.#registry = registry;
    this.#strict = strict ?? registry !== undefined;
    this.#launch = launch;
  }

  get registry(): PipelineRegistry | undefined {
    return this.#registry;
  }

  get strict(): boolean {
    return this.#strict;
  }

  /** Uses `registry` from now on (strictness as in the constructor). */
  replace(registry: PipelineRegistry | undefined, strict?: boolean): void {
    this.#registry = registry;
    this.#strict = strict ?? registry !== undefined;
  }

  /** The status vocabulary of `pipeline` in the registry in use now; undefined without one. */
  vocabularyOf(pipeline: string): Vocabulary | undefined {
    return this.#registry?.vocabularyOf(pipeline);
  }

  /** The heartbeat timeout of `pipeline` in ms in the registry in use now; undefined without one. */
  heartbeatOf(pipeline: string): number | undefined {
    return this.#registry?.heartbeatOf(pipeline);
  }

  /**
   * The registry's verdict on a create, shared by the bridge (`POST /jobs`) and the manager (a
   * create from the bus): `unknown_pipeline` for an unlisted pipeline when strict, the pipeline
   * schema's `schema_violation` naming every bad field, then for a launchable pipeline
   * `missing_env` (each missing variable named) or `invalid_log_dir`
   * (`registry/launch-request.ts`), or undefined when it may be created.
   *
   * @param label - how messages name the request: `request` (HTTP) or `event` (bus).
   */
  checkCreate(pipeline: string, data: unknown, label: string): PipelineJobsError | undefined {
    const registry = this.#registry;
    if (registry === undefined) return undefined;
    const definition = registry.get(pipeline);
    if (definition === undefined) {
      if (!this.#strict) return undefined;
      const known = registry.names();
      return new PipelineJobsError(
        'unknown_pipeline',
        `${label}.pipeline "${clip(pipeline)}" is not in the pipeline registry; known: ${known.join(', ') || '(none)'}`,
        {
          pipeline: clip(pipeline),
          known,
        },
      );
    }
    return registry.checkData(pipeline, data, label) ?? checkLaunchRequest(definition, data, label, this.#launch);
  }
}
