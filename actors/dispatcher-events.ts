import { v5 as uuidv5 } from 'uuid';
import { PIPELINEJOBS_NAMESPACE } from '../model/job-identity.js';
import type { JsonObject, LaunchRecord } from '../model/job.js';
import type { ExitStatus } from '../ports/launcher.js';
import type { EventMessage } from '../schemas/types.js';

/** `source` of the events a dispatcher publishes. */
export const DISPATCHER_SOURCE = 'dispatcher';

/** The events a dispatcher sends about a launch. */
export type DispatcherEventName = 'run' | 'finish' | 'fail';

/**
 * The id of a dispatcher's event: fixed per job, launch and name, so the same report sent twice
 * (a retried publish, two dispatchers reconciling one launch) applies once. `launchAt` is the
 * time of the launch's claim: a job launched again after a `ready` gets new ids.
 */
export function dispatcherEventId(uuid: string, launchAt: string, name: DispatcherEventName): string {
  return uuidv5(`dispatcher\n${uuid}\n${launchAt}\n${name}`, PIPELINEJOBS_NAMESPACE);
}

/** A dispatcher's event message for job `uuid`, signed with `token`. */
export function dispatcherEvent(
  uuid: string,
  launch: Pick<LaunchRecord, 'at'>,
  name: DispatcherEventName,
  data: JsonObject,
  token: string,
): EventMessage & { id: string } {
  return { id: dispatcherEventId(uuid, launch.at, name), uuid, name, data, token, source: DISPATCHER_SOURCE };
}

/** The data of the `fail` that ends a job whose launch failed (`launch_failed`). */
export function launchFailedData(launcher: string, message: string): JsonObject {
  return { code: 'launch_failed', message, launcher };
}

/** The data of the `finish` or `fail` that reports a local script's end. */
export function exitData(status: ExitStatus): JsonObject {
  return { exit_code: status.code, ...(status.signal !== undefined && { signal: status.signal }), launcher: 'local' };
}
