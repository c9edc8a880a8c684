import { parseArgs } from 'node:util';
import type { JobDocument } from '../../schemas/types.js';
import { Api } from '../api.js';
import { EXIT, type Command } from '../command.js';
import { usageError, writeJson, writeTable } from '../output.js';

/** `pjm ls`: jobs, newest first, with the query API's filters. */
export const lsCommand: Command = {
  usage: `pjm ls [--pipeline ID] [--state S[,S...]] [--owner O] [--site S] [--since ISO] [--until ISO] [--limit N] [--all] [--json]

  --limit   jobs per page (default 50, at most 1000)
  --all     follow the cursor through every page
  --json    one JSON object per job, one per line
`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        pipeline: { type: 'string' },
        state: { type: 'string' },
        owner: { type: 'string' },
        site: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        limit: { type: 'string', default: '50' },
        all: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0] ?? ''}"`);
    const params = new URLSearchParams({ limit: values.limit });
    for (const key of ['pipeline', 'state', 'owner', 'site', 'since', 'until'] as const) {
      const value = values[key];
      if (value !== undefined) params.set(key, value);
    }
    const api = await Api.fromEnv(io.env);
    const jobs: JobDocument[] = [];
    let cursor: string | undefined;
    do {
      if (cursor !== undefined) params.set('cursor', cursor);
      const { body } = await api.call<{ jobs: JobDocument[]; nextCursor?: string }>('GET', `/jobs?${params.toString()}`);
      if (values.json) for (const job of body.jobs) writeJson(io, job);
      else jobs.push(...body.jobs);
      cursor = values.all ? body.nextCursor : undefined;
    } while (cursor !== undefined);
    if (!values.json) writeTable(io, ['UUID', 'PIPELINE', 'STATE', 'VERSION', 'UPDATED'], jobs.map((j) => [j.uuid, j.pipeline, j.state, String(j.version), j.updated]));
    return EXIT.ok;
  },
};
