import { parseArgs } from 'node:util';
import type { JobDocument } from '../../model/job.js';
import { Api } from '../api.js';
import { EXIT, type Command } from '../command.js';
import { usageError, writeJson } from '../output.js';

/** `pjm show <uuid>`: where one job is. */
export const showCommand: Command = {
  usage: 'pjm show <uuid> [--json]\n\n  --json   the job document as JSON\n',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean', default: false } },
    });
    const [uuid] = positionals;
    if (uuid === undefined || positionals.length > 1) throw usageError('expected one job uuid');
    const api = await Api.fromEnv(io.env);
    const { body: job } = await api.call<JobDocument>('GET', `/jobs/${encodeURIComponent(uuid)}`);
    if (values.json) {
      writeJson(io, job);
      return EXIT.ok;
    }
    const fields: Array<[string, string | number | undefined]> = [
      ['uuid', job.uuid],
      ['pipeline', job.pipeline],
      ['state', job.state],
      ['version', job.version],
      ['last event', job.lastEvent],
      ['created', job.created],
      ['updated', job.updated],
      ['owner', job.owner],
      ['site', job.site],
      ['archive path', job.archivePath],
      ['data', JSON.stringify(job.data)],
      ['detail', job.detail === undefined ? undefined : JSON.stringify(job.detail)],
    ];
    for (const [name, value] of fields) if (value !== undefined) io.stdout.write(`${`${name}:`.padEnd(14)}${value}\n`);
    return EXIT.ok;
  },
};
