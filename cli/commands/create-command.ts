import { parseArgs } from 'node:util';
import type { CreateAnswer } from '../../protocol/http-answers.js';
import { Api } from '../api.js';
import { EXIT, type Command } from '../command.js';
import { readDataFlag, usageError, writeJson } from '../output.js';

/** `pjm create <pipeline>`: creates a job through the bridge and prints its uuid and token. */
export const createCommand: Command = {
  usage: `pjm create <pipeline> [--data JSON|@FILE|-] [--owner O] [--site S] [--archive-path P] [--no-wait] [--json]

The same pipeline and data always name the same job, so creating twice is harmless.
  --data          the job's parameters, a JSON object (part of its identity); @FILE reads it
                  from a file, - from standard input
  --no-wait       answer once the bus holds the create, without waiting for the manager
  --json          the whole answer: uuid, token, archive path and callback URLs
Without --json: the uuid and the token, tab-separated, on one line (for scripts: read UUID TOKEN).
When no manager applies the create within the server's wait, both are printed all the same and
the exit status is 5 (pending).
`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        data: { type: 'string' },
        owner: { type: 'string' },
        site: { type: 'string' },
        'archive-path': { type: 'string' },
        'no-wait': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
    const [pipeline] = positionals;
    if (pipeline === undefined || positionals.length > 1) throw usageError('expected one pipeline id');
    const data = await readDataFlag(values.data, io);
    const body = {
      pipeline,
      ...(data !== undefined && { data }),
      ...(values.owner !== undefined && { owner: values.owner }),
      ...(values.site !== undefined && { site: values.site }),
      ...(values['archive-path'] !== undefined && { archivePath: values['archive-path'] }),
    };
    const api = await Api.fromEnv(io.env);
    const { body: created } = await api.call<CreateAnswer>('POST', `/jobs${values['no-wait'] ? '' : '?wait=1'}`, body);
    if (values.json) writeJson(io, created);
    else io.stdout.write(`${created.uuid}\t${created.token}\n`);
    if (!values.json && created.status === 'duplicate')
      io.stderr.write(`job ${created.uuid} already existed (state ${created.state ?? '?'})\n`);
    if (created.status !== 'pending') return EXIT.ok;
    io.stderr.write(
      `pjm create: pending: the server took the create of job ${created.uuid}, but no manager applied it within the wait; it stays on the bus until one does (is a manager running?)\n`,
    );
    return EXIT.pending;
  },
};
