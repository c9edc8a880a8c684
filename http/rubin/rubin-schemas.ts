import type { PipelineDefinition } from '../../registry/pipeline-definition.js';
import type { PipelineRegistry } from '../../registry/pipeline-registry.js';

/** One job type as `GET {API_BASEPATH}/schema/...` shows it. */
export interface JobTypeSpec {
  readonly type: string;
  readonly description?: string;
  /** The environment variables a job of this type must be given. */
  readonly env: readonly string[];
  readonly script?: string;
  /** The JSON Schema of `POST {API_BASEPATH}/job` for this type. */
  readonly request: Readonly<Record<string, unknown>>;
  /** The pipeline's own schema of the create data, when the registry gives one. */
  readonly dataSchema?: Readonly<Record<string, unknown>>;
}

function specOf(pipeline: PipelineDefinition): JobTypeSpec {
  return {
    type: pipeline.name,
    ...(pipeline.description !== undefined && { description: pipeline.description }),
    env: pipeline.env,
    ...(pipeline.script !== undefined && { script: pipeline.script }),
    request: {
      type: 'object',
      required: ['type', 'env', 'log_dir'],
      properties: {
        type: { const: pipeline.name },
        env: {
          type: 'object',
          required: [...pipeline.env],
          additionalProperties: { type: 'string' },
        },
        log_dir: { type: 'string', pattern: '^/', description: 'Absolute; inside PJM_LOG_ROOT when that is set.' },
      },
    },
    ...(pipeline.schema !== undefined && { dataSchema: pipeline.schema }),
  };
}

/** Every job type of the registry by name; none without a registry. */
export function jobTypeSpecs(registry: PipelineRegistry | undefined): Record<string, JobTypeSpec> {
  return Object.fromEntries((registry?.list() ?? []).map((pipeline) => [pipeline.name, specOf(pipeline)]));
}

/** One job type, or undefined when the registry does not list it. */
export function jobTypeSpec(registry: PipelineRegistry | undefined, name: string): JobTypeSpec | undefined {
  const pipeline = registry?.get(name);
  return pipeline === undefined ? undefined : specOf(pipeline);
}
