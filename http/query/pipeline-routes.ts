import type { FastifyInstance } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import type { PipelineDefinition } from '../../registry/pipeline-definition.js';
import type { PipelineCatalog } from '../../registry/pipeline-catalog.js';

const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

/** A pipeline as listed: what it is for and what a run needs, without its schema. */
function summary(p: PipelineDefinition): Record<string, unknown> {
  return {
    name: p.name,
    ...(p.description !== undefined && { description: p.description }),
    env: p.env,
    ...(p.script !== undefined && { script: p.script }),
    hasSchema: p.schema !== undefined,
  };
}

/**
 * `GET /pipelines` and `GET /pipelines/:name`: the registry the server checks creates against,
 * as loaded now (a SIGHUP reload shows at the next call). One pipeline answers its create-data
 * schema (`schema`; absent: any object), its env and the reserved policy keys.
 */
export function registerPipelineRoutes(app: FastifyInstance, catalog: PipelineCatalog): void {
  app.get('/pipelines', { schema: { summary: 'List the registered pipelines' } }, async () => {
    const registry = catalog.registry;
    return { strict: catalog.strict, pipelines: registry?.list().map(summary) ?? [] };
  });

  app.get<{ Params: { name: string } }>(
    '/pipelines/:name',
    { schema: { summary: 'One registered pipeline, with the JSON Schema of its create data', params: nameParams } },
    async (request) => {
      const pipeline = catalog.registry?.get(request.params.name);
      if (pipeline === undefined)
        throw new PipelineJobsError('not_found', `no pipeline ${request.params.name} in the registry`, {
          pipeline: request.params.name,
        });
      const { schema, vocabulary, launcher, retry, heartbeat } = pipeline;
      return {
        ...summary(pipeline),
        ...(schema !== undefined && { schema }),
        ...(vocabulary !== undefined && { vocabulary }),
        ...(launcher !== undefined && { launcher }),
        ...(retry !== undefined && { retry }),
        ...(heartbeat !== undefined && { heartbeat }),
      };
    },
  );
}

/**
 * The OpenAPI document with each registered pipeline's create-data schema added as the component
 * `PipelineData.<name>` (`$schema`/`$id` dropped: OpenAPI schema objects do not take them). A copy:
 * the registry may change between calls, the generated document may not.
 */
export function withPipelineSchemas(document: unknown, catalog: PipelineCatalog): unknown {
  const pipelines = catalog.registry?.list().filter((p) => p.schema !== undefined) ?? [];
  if (pipelines.length === 0) return document;
  const copy = structuredClone(document) as { components?: { schemas?: Record<string, unknown> } };
  const components = (copy.components ??= {});
  const schemas = (components.schemas ??= {});
  for (const p of pipelines) {
    const schema: Record<string, unknown> = { ...p.schema };
    delete schema['$schema'];
    delete schema['$id'];
    schemas[`PipelineData.${p.name}`] = {
      ...schema,
      description:
        `The create data of pipeline ${p.name} (POST /jobs with pipeline: ` +
        `${p.name}).${typeof schema['description'] === 'string' ? ` ${schema['description']}` : ''}`,
    };
  }
  return copy;
}
