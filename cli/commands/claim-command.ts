import { parseArgs } from 'node:util';
import type { ClaimedJob } from '../../protocol/claim-message.js';
import { Api } from '../api.js';
import { EXIT, type Command } from '../command.js';
import { parseDuration } from '../duration.js';
import { clip, usageError, writeJson, writeTable } from '../output.js';

/** `pjm claim --site S`: take the oldest claimable jobs of a site queue, as a site poller does. */
export const claimCommand: Command = {
  usage: `pjm claim --site S [--queue Q] [--max N] [--lease 5m] [--by NAME] [--json]
pjm claim --release <uuid> [--by NAME]

Takes up to N of the oldest CREATED jobs of site S's queue that nobody holds (POST /claims),
each for the lease, and prints them with their tokens: send run with the token to start one
(that ends the lease), or release it. A lease that runs out makes the job claimable again.
Credentials: PJM_NONCE (a site key: pjm nonce create --scope claim --site S) or PJM_API_TOKENS.
  --site     the site (required to claim)
  --queue    the site's queue (default primary; Photon Ranch's second queue is replica)
  --max      most jobs to take (default 1)
  --lease    how long each claim holds: 90s, 5m, 1h (default 5m)
  --by       the claimer recorded on each job (default: the credential)
  --release  give the job with this uuid back before its lease ends
  --json     {jobs: [...]} as JSON
`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      options: {
        site: { type: 'string' },
        queue: { type: 'string' },
        max: { type: 'string' },
        lease: { type: 'string' },
        by: { type: 'string' },
        release: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals.length > 0) throw usageError('pjm claim takes no positional arguments');
    const api = await Api.fromEnv(io.env);
    const by = values.by === undefined ? {} : { by: values.by };
    if (values.release !== undefined) {
      const { body } = await api.call<{ uuid: string; state: string }>('POST', '/claims/release', {
        uuid: values.release,
        ...by,
      });
      io.stdout.write(`released ${body.uuid} (${body.state})\n`);
      return EXIT.ok;
    }
    if (values.site === undefined) throw usageError('--site is required');
    const max = values.max === undefined ? 1 : Number(values.max);
    if (!Number.isSafeInteger(max) || max < 1) throw usageError('--max must be a positive integer');
    const { body } = await api.call<{ jobs: ClaimedJob[] }>('POST', '/claims', {
      site: values.site,
      ...(values.queue !== undefined && { queue: values.queue }),
      max,
      lease: parseDuration(values.lease ?? '5m'),
      ...by,
    });
    if (values.json) {
      writeJson(io, body);
      return EXIT.ok;
    }
    if (body.jobs.length === 0) {
      io.stderr.write(`nothing to claim in ${values.site}/${values.queue ?? 'primary'}\n`);
      return EXIT.ok;
    }
    writeTable(
      io,
      ['UUID', 'PIPELINE', 'UNTIL', 'TOKEN', 'DATA'],
      body.jobs.map((job) => [job.uuid, job.pipeline, job.claim.until, job.token, clip(JSON.stringify(job.data), 60)]),
    );
    return EXIT.ok;
  },
};
