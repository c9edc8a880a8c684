import { parseArgs } from 'node:util';
import type { PipelineRegistry } from '../../registry/pipeline-registry.js';
import { EXIT, type Command, type CommandIo } from '../command.js';
import { clip, usageError, writeJson, writeTable } from '../output.js';

/** The registry the configuration names (PJM_PIPELINES or ./pipelines.yaml), read as the server reads it. */
async function configuredRegistry(io: CommandIo): Promise<PipelineRegistry | undefined> {
  const [{ loadConfig }, { readConfiguredRegistry }] = await Promise.all([
    import('../../config/load-config.js'),
    import('../../app/pipelines.js'),
  ]);
  const registry = readConfiguredRegistry(loadConfig(io.env));
  if (registry === undefined)
    io.stderr.write('pjm pipelines: no pipeline registry (set PJM_PIPELINES, or create ./pipelines.yaml)\n');
  return registry;
}

/**
 * `pjm pipelines validate FILE | ls | show NAME`: checks a registry file as a server would at
 * start or on SIGHUP, and shows the configured one. Reads files only; no server is needed.
 */
export const pipelinesCommand: Command = {
  usage: `pjm pipelines validate FILE
pjm pipelines ls [--json]
pjm pipelines show NAME

The pipeline registry (docs/pipelines.md). validate checks FILE as pjm serve would (exit 2 and
every problem named when it is invalid); ls and show read the registry the server is configured
with: PJM_PIPELINES, else ./pipelines.yaml when present.
  --json   machine-readable output (ls; show always prints JSON)
`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean', default: false } },
    });
    const [action, name, ...extra] = positionals;
    if (extra.length > 0) throw usageError(`unexpected argument ${extra[0] ?? ''}`);
    switch (action) {
      case 'validate': {
        if (name === undefined) throw usageError('validate needs the registry file');
        const { readRegistry } = await import('../../registry/read-registry.js');
        const registry = readRegistry(name);
        io.stdout.write(
          `${name}: valid ` +
            `(${registry.format === 'rubin' ? 'Rubin job_specs.yaml form' : 'pipelines form'}), ` +
            `${registry.names().length} pipeline(s): ${registry.names().join(', ')}\n`,
        );
        return EXIT.ok;
      }
      case 'ls': {
        if (name !== undefined) throw usageError('ls takes no argument');
        const pipelines = (await configuredRegistry(io))?.list() ?? [];
        if (values.json)
          writeJson(
            io,
            pipelines.map((p) => ({
              name: p.name,
              description: p.description,
              env: p.env,
              script: p.script,
              hasSchema: p.schema !== undefined,
            })),
          );
        else
          writeTable(
            io,
            ['NAME', 'SCHEMA', 'ENV', 'DESCRIPTION'],
            pipelines.map((p) => [
              p.name,
              p.schema === undefined ? '-' : 'yes',
              p.env.join(',') || '-',
              clip(p.description ?? '', 60),
            ]),
          );
        return EXIT.ok;
      }
      case 'show': {
        if (name === undefined) throw usageError('show needs a pipeline name (see pjm pipelines ls)');
        const registry = await configuredRegistry(io);
        const pipeline = registry?.get(name);
        if (pipeline === undefined) {
          if (registry !== undefined)
            io.stderr.write(
              `pjm pipelines: no pipeline ${name} in ${registry.file}; known: ` +
                `${registry.names().join(', ') || '(none)'}\n`,
            );
          return EXIT.failure;
        }
        io.stdout.write(`${JSON.stringify(pipeline, null, 2)}\n`);
        return EXIT.ok;
      }
      default:
        throw usageError('expected validate, ls or show');
    }
  },
};
