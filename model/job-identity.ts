import { v5 as uuidv5 } from 'uuid';
import { canonicalJson } from './canonical-json.js';

/** The UUID v5 namespace of pipelinejobs identifiers (uuid v5 of "pipelinejobs" in the DNS namespace). */
export const PIPELINEJOBS_NAMESPACE = uuidv5('pipelinejobs', uuidv5.DNS);

/**
 * The deterministic uuid of a job: UUID v5 of the pipeline id and the canonical JSON of the
 * create data, so creating the same job twice names the same job. A create that names its own
 * ulid (Photon Ranch's `newjob`: every command is a new job, however alike) is named by that ulid
 * alone: a fresh ulid is a new job, and the same ulid sent again (a retry) is the same job.
 */
export function jobUuid(pipeline: string, data: Readonly<Record<string, unknown>>, ulid?: string): string {
  return ulid === undefined
    ? uuidv5(`${pipeline}\n${canonicalJson(data)}`, PIPELINEJOBS_NAMESPACE)
    : uuidv5(`ulid\n${ulid}`, PIPELINEJOBS_NAMESPACE);
}

/** The id of a job's `create` history entry: fixed per job, so a repeated create never doubles it. */
export function createEventId(uuid: string): string {
  return uuidv5(`create\n${uuid}`, PIPELINEJOBS_NAMESPACE);
}
