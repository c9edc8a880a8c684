import { UUID_SOURCE } from '../schemas/uuid-format.js';

/**
 * The one definition of the Slurm tracking tag, `pjm:<uuid>:<token>` in `sbatch --comment`: built
 * for a job's callbacks (callback-urls.ts), found by `pjm slurm-mail`, blanked by it and by the
 * bridge before a comment is stored or logged. The comment leaves the job name and mail user
 * free, holds up to 1024 characters (the tag is about 94), and other words may stand around it.
 */

/** What ties a Slurm job to a pipeline job. */
export interface SlurmTracking {
  readonly uuid: string;
  readonly token: string;
}

const PREFIX = 'pjm:';

const TRACKING = new RegExp(`(^|\\s)${PREFIX}(${UUID_SOURCE}):([0-9a-z]{1,12}\\.[A-Za-z0-9_-]+)(?=\\s|$)`);

/** The Slurm job comment that makes `pjm slurm-mail` report a job to pipeline job `uuid`. */
export function slurmTrackingComment(uuid: string, token: string): string {
  return `${PREFIX}${uuid}:${token}`;
}

/** The tracking tag inside a Slurm job comment, or undefined when the job is not tracked. */
export function parseSlurmTracking(comment: string | undefined): SlurmTracking | undefined {
  const match = TRACKING.exec(comment ?? '');
  if (match?.[2] === undefined || match[3] === undefined) return undefined;
  return { uuid: match[2].toLowerCase(), token: match[3] };
}

/** `comment` with the token of its tracking tag blanked, fit for history and logs. */
export function redactSlurmTracking(comment: string): string {
  return comment.replace(
    TRACKING,
    (_all, lead: string, uuid: string) => `${lead}${slurmTrackingComment(uuid, '[redacted]')}`,
  );
}
