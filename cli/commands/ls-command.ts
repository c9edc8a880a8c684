import { parseArgs } from 'node:util';
import { JOB_STATES } from '../../fsm/states.js';
import type { JobDocument } from '../../model/job.js';
import { Api } from '../api.js';
import { EXIT, type Command } from '../command.js';
import { parseInstant } from '../instant.js';
import { usageError, writeJson, writeTable } from '../output.js';

/** The query API's time filters, by the flag that sets each. */
const TIME_FLAGS = {
  since: 'since',
  until: 'until',
  'updated-since': 'updatedSince',
  'updated-until': 'updatedUntil',
} as const;

/** `--state` as the API takes it: known states, upper case, comma-separated. */
function parseStates(text: string): string {
  const states = text.split(',').map((s) => s.trim().toUpperCase());
  const unknown = states.filter((s) => !(JOB_STATES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    const named = unknown.map((s) => `"${s}"`).join(', ');
    throw usageError(
      `--state: ${named} ${unknown.length === 1 ? 'is not a state' : 'are not states'}; the ` +
        `states are ${JOB_STATES.join(', ')} (any case, comma-separated)`,
    );
  }
  return states.join(',');
}

/** `pjm ls`: jobs, newest created first, with the query API's filters. */
export const lsCommand: Command = {
  usage: `pjm ls [--pipeline ID] [--state S[,S...]] [--phase P] [--error] [--stale] [--owner O] [--site S]
       [--since T] [--until T] [--updated-since T] [--updated-until T] [--limit N] [--all] [--json]

Lists jobs newest first by creation time (CREATED), the order the query API pages in; UPDATED
is when the job's last event was applied. To see what changed lately, use --updated-since.
  --state           states to keep, comma-separated, in any case: ${JOB_STATES.slice(0, 3).join(', ')},
                    ${JOB_STATES.slice(3, 10).join(', ')},
                    ${JOB_STATES.slice(10).join(', ')}
  --phase           the phase a status vocabulary gave the job (QUEUED, processing…), exact case
  --error           only jobs whose last state change raised an error (FAILED)
  --stale           only jobs flagged stale: their heartbeat lease expired (docs/heartbeats.md)
  --since, --until  created at or after / at or before T
  --updated-since, --updated-until
                    last changed at or after / at or before T
  T is a date (2026-12-02, from 00:00 UTC), a date-time (2026-12-02T14:30, UTC unless it ends
  with an offset such as +01:00) or a duration back from now (90s, 30m, 24h, 7d)
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
        phase: { type: 'string' },
        error: { type: 'boolean', default: false },
        since: { type: 'string' },
        until: { type: 'string' },
        'updated-since': { type: 'string' },
        'updated-until': { type: 'string' },
        limit: { type: 'string', default: '50' },
        all: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        stale: { type: 'boolean', default: false },
      },
    });
    if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0] ?? ''}"`);
    const params = new URLSearchParams({ limit: values.limit });
    for (const key of ['pipeline', 'owner', 'site', 'phase'] as const) {
      const value = values[key];
      if (value !== undefined) params.set(key, value);
    }
    if (values.state !== undefined) params.set('state', parseStates(values.state));
    if (values.error) params.set('error', 'true');
    if (values.stale) params.set('stale', 'true');
    const now = new Date();
    for (const [flag, param] of Object.entries(TIME_FLAGS)) {
      const value = values[flag as keyof typeof TIME_FLAGS];
      if (value !== undefined) params.set(param, parseInstant(`--${flag}`, value, now));
    }
    const api = await Api.fromEnv(io.env);
    const jobs: JobDocument[] = [];
    let cursor: string | undefined;
    do {
      if (cursor !== undefined) params.set('cursor', cursor);
      const { body } = await api.call<{ jobs: JobDocument[]; nextCursor?: string }>(
        'GET',
        `/jobs?${params.toString()}`,
      );
      if (values.json) for (const job of body.jobs) writeJson(io, job);
      else jobs.push(...body.jobs);
      cursor = values.all ? body.nextCursor : undefined;
    } while (cursor !== undefined);
    if (!values.json)
      writeTable(
        io,
        ['UUID', 'PIPELINE', 'STATE', 'VERSION', 'CREATED', 'UPDATED'],
        jobs.map((j) => [
          j.uuid,
          j.pipeline,
          j.stale === undefined ? j.state : `${j.state} (stale)`,
          String(j.version),
          j.created,
          j.updated,
        ]),
      );
    return EXIT.ok;
  },
};
