import type { ErrorCode } from '../errors/index.js';
import type { JobState } from '../model/job.js';

/** The manager's verdict on an event it applied, or had applied before (a duplicate). */
export interface ManagerAcceptance {
  readonly outcome: 'applied' | 'duplicate';
  readonly uuid: string;
  readonly state: JobState;
  readonly version: number;
  /** The job's token: answered on a create, to its creator (see docs/manager.md). */
  readonly token?: string;
  /** With the token: where the job's outputs are archived. */
  readonly archivePath?: string;
}

/** The manager's refusal of an event: a stable code, a message, and details such as the job's uuid. */
export interface ManagerRefusal {
  readonly outcome: 'rejected';
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

/**
 * What the manager answers a request with, as JSON to its `reply_to` address (`actors/manager.ts`
 * sends it; the HTTP bridge and the AMQP client read it).
 */
export type ManagerReply = ManagerAcceptance | ManagerRefusal;

/** A reply that could not be read, and why (a peer of another version, or not the manager at all). */
export interface UnreadableReply {
  readonly problem: string;
  readonly body?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `body` as a {@link ManagerReply}, after checking the fields a reader relies on. */
export function readManagerReply(body: unknown): ManagerReply | UnreadableReply {
  if (!isRecord(body)) return { problem: 'the manager reply is not an object', body };
  const outcome = body['outcome'];
  if (outcome === 'rejected') {
    const error = body['error'];
    if (!isRecord(error) || typeof error['code'] !== 'string')
      return { problem: 'a refusal without an error code', body };
    return body as unknown as ManagerRefusal;
  }
  if (outcome !== 'applied' && outcome !== 'duplicate')
    return { problem: 'the manager reply has no known outcome', body };
  if (typeof body['uuid'] !== 'string' || typeof body['state'] !== 'string' || typeof body['version'] !== 'number') {
    return { problem: 'the manager reply lacks the job uuid, state or version', body };
  }
  return body as unknown as ManagerAcceptance;
}

/** The JSON bytes of a reply, read as {@link readManagerReply} does. */
export function decodeManagerReply(content: Buffer): ManagerReply | UnreadableReply {
  let body: unknown;
  try {
    body = JSON.parse(content.toString('utf8'));
  } catch {
    return { problem: 'the manager reply is not JSON' };
  }
  return readManagerReply(body);
}

/** Whether `reply` is the problem {@link readManagerReply} found rather than a reply. */
export function isUnreadable(reply: ManagerReply | UnreadableReply): reply is UnreadableReply {
  return 'problem' in reply;
}
