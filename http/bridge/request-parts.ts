import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { PIPELINEJOBS_NAMESPACE } from '../../model/job-identity.js';

/** Query-string schema of `wait`: `?wait=1` / `?wait=true` asks for the manager's verdict. */
export const WAIT_PARAM = {
  type: 'string',
  pattern: '^(1|0|true|false)$',
  description: "Wait (bounded by PJM_WAIT_TIMEOUT_MS) for the manager's verdict.",
} as const;

/** Query-string schema of the job token. */
export const TOKEN_PARAM = {
  type: 'string',
  maxLength: 512,
  description: 'The per-job token issued on create.',
} as const;

/** Query-string schema of the sender nonce. */
export const NONCE_PARAM = {
  type: 'string',
  maxLength: 128,
  description: 'A sender nonce (pjm nonce create), for callers that cannot send headers.',
} as const;

/** Query-string schema of a job uuid. */
export const UUID_PARAM = { type: 'string', format: 'uuid', description: 'The pipeline job uuid.' } as const;

/** The `token` query parameter as event fields: none when absent or empty (`?token=` means no token). */
export function tokenField(token: string | undefined): { token?: string } {
  return token === undefined || token === '' ? {} : { token };
}

/** True for `wait=1` / `wait=true`. */
export function wantsWait(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}

/** The request body as bytes (every body arrives raw; see `build-app.ts`), or undefined when empty. */
export function rawBody(body: unknown): Buffer | undefined {
  if (Buffer.isBuffer(body) && body.length > 0) return body;
  return undefined;
}

/**
 * A stable event id for a callback, from what identifies it: a scheduler that re-sends the same
 * notification (Agave retries, a re-run MailProg) produces the same id, which the manager then
 * recognises as a duplicate.
 */
export function callbackEventId(
  kind: string,
  uuid: string,
  ...parts: ReadonlyArray<string | Buffer | undefined>
): string {
  const hash = createHash('sha256').update(`${kind}\n${uuid.toLowerCase()}`);
  for (const part of parts) hash.update('\n').update(part ?? '');
  return uuidv5(`callback\n${hash.digest('hex')}`, PIPELINEJOBS_NAMESPACE);
}
