import { parseArgs } from 'node:util';
import { parseSlurmSubject } from '../../protocol/slurm-subject.js';
import { parseSlurmTracking } from '../../protocol/slurm-tracking.js';
import type { SlurmNotification } from '../../schemas/types.js';
import { EXIT, type Command } from '../command.js';
import { usageError } from '../output.js';
import {
  MAILPROG_BUDGET_MS,
  arrayEnd,
  deliver,
  deliveryBudget,
  fallBack,
  jobComment,
  slurmVariables,
} from '../slurm-mail.js';

/**
 * `pjm slurm-mail -s "<subject>" <user>`: a Slurm `MailProg`. slurmctld runs it (as the slurm
 * user, with only `SLURM_*` variables in its environment) for every mail a job asked for; it
 * posts the subject and those variables to the bridge for the pipeline job named in the Slurm
 * job's comment (`--comment=pjm:<uuid>:<token>`). Everything ends within
 * {@link MAILPROG_BUDGET_MS} of the process start. Imports only what it needs (see
 * cli/slurm-mail-main.ts). See docs/slurm.md.
 */
export const slurmMailCommand: Command = {
  usage: `pjm slurm-mail -s "<subject>" <user> [--fallback PROGRAM]

Set MailProg in slurm.conf to a wrapper that sets PJM_URL (and PJM_NONCE when the bridge is on
another host) and runs bin/pjm-slurm-mail.js (this command, quick to start); submit with
  sbatch --mail-type=BEGIN,END,FAIL,REQUEUE,TIME_LIMIT --comment=pjm:<uuid>:<token> ...
(POST /jobs answers these options ready-made). Jobs without a pjm: comment are passed to
--fallback (e.g. /usr/bin/mail) when given, else ignored. Gives up 90 s after it started.
  -s           the mail subject Slurm wrote
  --fallback   the site's mail program, for jobs this tracker does not follow
`,
  async run(args, io) {
    const deadline = performance.timeOrigin + MAILPROG_BUDGET_MS;
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { s: { type: 'string', short: 's' }, fallback: { type: 'string' } },
    });
    const subject = values.s;
    if (subject === undefined || subject.trim() === '') throw usageError('-s "<subject>" is required');
    const tracking = parseSlurmTracking(await jobComment(io.env, deadline));
    if (tracking === undefined) {
      if (values.fallback !== undefined) return fallBack(values.fallback, ['-s', subject, ...positionals]);
      io.stderr.write(
        `pjm slurm-mail: Slurm job ${io.env['SLURM_JOB_ID'] ?? '?'} has no pjm:<uuid>:<token> comment; nothing to report\n`,
      );
      return EXIT.ok;
    }
    // Loaded here, not at start: mails of untracked jobs (passed on to --fallback) skip ajv. Not
    // the schemas index, which compiles every schema.
    const { loadConfig } = await import('../../config/load-config.js');
    const config = loadConfig(io.env);
    const params = new URLSearchParams({ uuid: tracking.uuid, token: tracking.token });
    if (config.PJM_NONCE !== undefined) params.set('x-nonce', config.PJM_NONCE);
    const url = `${config.PJM_URL.replace(/\/+$/, '')}/callbacks/slurm?${params.toString()}`;
    const parsed = parseSlurmSubject(subject);
    const taskEnded = parsed.array === 'task' && (parsed.kind === 'ended' || parsed.kind === 'failed');
    const end = taskEnded ? await arrayEnd(io.env, deadline) : undefined;
    const notification: SlurmNotification = {
      subject,
      ...(positionals[0] !== undefined && { user: positionals[0] }),
      env: slurmVariables(io.env),
      ...(end !== undefined && { arrayEnd: end }),
    };
    const body = JSON.stringify(notification);
    const result = await deliver(url, body, deliveryBudget(deadline));
    if (result.ok) return EXIT.ok;
    io.stderr.write(
      `pjm slurm-mail: job ${tracking.uuid}: the bridge at ${config.PJM_URL} did not take "${subject}": ${result.reason}\n`,
    );
    return EXIT.failure;
  },
};
