import { slurmTrackingComment } from './slurm-tracking.js';

/**
 * The one definition of a job's callback URLs. The bridge answers them on `POST /jobs`
 * (`http/bridge/create-route.ts`) and the client builds them itself when it learns a job's token
 * another way (over AMQP, or on `PipelineJob.load`), so both always agree.
 */

/** Ready-made callback wiring for one job, answered by `POST /jobs`. */
export interface JobCallbacks {
  /** `POST` here with `&event=<name>[&note=...]` (URL form) or a JSON event body. */
  readonly events: string;
  readonly agave: {
    readonly url: string;
    /** Agave job `notifications` entries, ready to paste into a job definition. */
    readonly notifications: ReadonlyArray<{
      readonly event: string;
      readonly persistent: boolean;
      readonly url: string;
    }>;
  };
  readonly slurm: {
    readonly url: string;
    /** `sbatch` options that make `pjm slurm-mail` report this job (see docs/slurm.md). */
    readonly sbatch: readonly string[];
  };
}

/** The parts of a job's callback URLs. */
export interface CallbackTarget {
  /** Origin (and optional path prefix) of the bridge; a trailing slash is ignored. */
  readonly base: string;
  readonly uuid: string;
  readonly token: string;
  /** A sender nonce to embed, when the job's callers will need one. */
  readonly nonce?: string;
}

function url(target: CallbackTarget, path: string): string {
  const params = new URLSearchParams({ uuid: target.uuid, token: target.token });
  if (target.nonce !== undefined) params.set('x-nonce', target.nonce);
  return `${target.base.replace(/\/+$/, '')}${path}?${params.toString()}`;
}

/**
 * The callback URLs of a job. The Agave entries follow SD2E's (`agave_notifications`): RUNNING
 * and FAILED carry the `${JOB_STATUS}` macro Agave expands, FINISHED names its status, since a
 * FINISHED notification's macro is what a late ARCHIVING_FINISHED would otherwise report.
 */
export function jobCallbacks(target: CallbackTarget): JobCallbacks {
  const agave = url(target, '/callbacks/agave');
  const slurm = url(target, '/callbacks/slurm');
  return {
    events: url(target, '/events'),
    agave: {
      url: agave,
      notifications: [
        { event: 'RUNNING', persistent: true, url: `${agave}&status=\${JOB_STATUS}` },
        { event: 'FINISHED', persistent: false, url: `${agave}&status=FINISHED` },
        { event: 'FAILED', persistent: false, url: `${agave}&status=\${JOB_STATUS}` },
      ],
    },
    slurm: {
      url: slurm,
      sbatch: [
        '--mail-type=BEGIN,END,FAIL,REQUEUE,TIME_LIMIT',
        `--comment=${slurmTrackingComment(target.uuid, target.token)}`,
      ],
    },
  };
}
