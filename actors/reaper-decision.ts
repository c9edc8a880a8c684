import { reconcileEventId, staleMarkId } from '../model/heartbeat.js';
import type { JobDocument, JsonObject } from '../model/job.js';
import type { LaunchStatus } from '../ports/launcher.js';
import { builtinStatus } from '../registry/builtin-vocabularies.js';

/** `source` of the events a reaper publishes. */
export const REAPER_SOURCE = 'reaper';

/** One event a reaper publishes about a job whose lease expired. */
export interface ReaperEvent {
  readonly id: string;
  readonly name: 'stale' | 'run' | 'finish' | 'fail' | 'cancel';
  readonly data: JsonObject;
}

/** What the launcher said, as recorded in the events' data. */
function launchData(job: JobDocument, status: LaunchStatus | undefined): JsonObject {
  const launch = job.launch;
  if (launch?.ref === undefined || status === undefined) return {};
  const said: JsonObject = { launcher: launch.launcher, ref: launch.ref, status: status.kind };
  if (status.kind === 'active' || status.kind === 'ended') said['state'] = status.state;
  if (status.kind === 'ended' && status.exitCode !== undefined) said['exitCode'] = status.exitCode;
  if (status.kind === 'ended' && status.reason !== undefined) said['reason'] = status.reason;
  if (status.kind === 'unknown') said['message'] = status.message;
  return { launch: said };
}

/**
 * What a reaper publishes for a job whose lease ended at `until` (docs/heartbeats.md): when the
 * scheduler reports the job ended, the event of its final state as the built-in `slurm`
 * vocabulary reads it, without its phase (COMPLETED → `finish`, after a `run` for a job never reported running;
 * FAILED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL … → `fail`; CANCELLED → `cancel` before RUNNING,
 * else `fail`), data saying what it reported; otherwise one `stale` mark. Ids are fixed by the job
 * and the expired lease, so any number of reapers publish the same events and the job gets one.
 */
export function reaperEvents(job: JobDocument, until: string, status: LaunchStatus | undefined): ReaperEvent[] {
  const launch = launchData(job, status);
  if (status?.kind !== 'ended' || job.launch?.launcher !== 'slurm') {
    return [{ id: staleMarkId(job.uuid, until), name: 'stale', data: { until, ...launch } }];
  }
  const word = builtinStatus('slurm', status.state).name;
  if (word !== 'finish' && word !== 'fail') {
    return [{ id: staleMarkId(job.uuid, until), name: 'stale', data: { until, ...launch } }];
  }
  // No phase: the job's own vocabulary may not allow Slurm's word; the data says what Slurm reported.
  const reported: JsonObject = { ...launch, reason: `Slurm reports ${status.state}`, reconciled: true };
  const event = (name: ReaperEvent['name'], data: JsonObject = reported): ReaperEvent => ({
    id: reconcileEventId(job.uuid, until, name),
    name,
    data,
  });
  if (word === 'finish')
    return job.state === 'CREATED' ? [event('run', { reconciled: true }), event('finish')] : [event('finish')];
  if (status.state === 'CANCELLED' && job.state === 'CREATED') return [event('cancel')];
  return [event('fail')];
}
