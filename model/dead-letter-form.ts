import { isPlainObject } from '../schemas/index.js';
import { eventIdOf } from './event-identity.js';

/** A token as pjm issues them (`<stamp>.<HMAC-SHA256, base64url>`), wherever it sits in a text. */
const TOKEN_SHAPE = /[0-9a-z]{1,12}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
/** A `"token": "<anything>"` member, for bodies that cannot be parsed. */
const TOKEN_MEMBER = /("token"\s*:\s*)"(?:[^"\\]|\\.)*"/g;

/**
 * The form a refused event message is kept in on the dead-letter queue: without its job token,
 * since a dead letter outlives the message and the token is the client's alone.
 *
 * A JSON object (within `maxBytes`) loses its top-level `token`; when it had no `id` it gains
 * `eventId`, the id the manager derived from the original bytes, so that a replay of the stored
 * form is still the same event. A body without a token is kept byte for byte. Anything else (too
 * large, not JSON) keeps its bytes with every token-shaped string and `"token"` value blanked.
 */
export function deadLetterForm(
  body: Buffer,
  options: { readonly maxBytes: number; readonly eventId?: string | undefined },
): Buffer {
  if (body.byteLength <= options.maxBytes) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (isPlainObject(parsed)) {
      if (!Object.hasOwn(parsed, 'token')) return body;
      // fromEntries defines keys as data properties: a "__proto__" key stays a key.
      const kept = Object.entries(parsed).filter(([key]) => key !== 'token');
      if (parsed['id'] === undefined && options.eventId !== undefined) kept.unshift(['id', options.eventId]);
      return Buffer.from(JSON.stringify(Object.fromEntries(kept)));
    }
  }
  // latin1 maps every byte to one character and back: only the blanked spans change.
  const text = body.toString('latin1');
  return Buffer.from(text.replace(TOKEN_MEMBER, '$1""').replace(TOKEN_SHAPE, '[redacted]'), 'latin1');
}

/** The body as a JSON object, when it is one. */
function objectOf(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** What a dead letter's stored form says it was about, for listing: its event id, job and event name. */
export function deadLetterSubject(
  stored: Buffer,
  messageId?: string,
): { readonly eventId?: string; readonly uuid?: string; readonly event?: string } {
  const event = objectOf(stored);
  if (event === undefined) return {};
  const id = typeof event['id'] === 'string' ? event['id'] : undefined;
  return {
    eventId: eventIdOf({ id }, { body: stored, ...(messageId !== undefined && { messageId }) }),
    ...(typeof event['uuid'] === 'string' && { uuid: event['uuid'].toLowerCase() }),
    ...(typeof event['name'] === 'string' && { event: event['name'] }),
  };
}

/**
 * The message a replay publishes for a dead letter kept in `stored` form: for a job-scoped JSON
 * event, the form with the operator token `tokenFor(uuid)` in place of the sender's (which the
 * dead letter never kept) and its event id written in, so the manager sees the same event;
 * anything else (a create, which needs no token; a body that is not a JSON object) byte for byte,
 * with the same message id, so it too is the same event.
 */
export function replayForm(
  stored: Buffer,
  options: { readonly messageId?: string | undefined; readonly tokenFor: (uuid: string) => string },
): Buffer {
  const event = objectOf(stored);
  const uuid = event?.['uuid'];
  if (event === undefined || event['name'] === 'create' || typeof uuid !== 'string') return stored;
  const id = typeof event['id'] === 'string' ? event['id'] : undefined;
  const kept = Object.entries(event).filter(([key]) => key !== 'token' && key !== 'id');
  return Buffer.from(
    JSON.stringify(
      Object.fromEntries([
        [
          'id',
          eventIdOf({ id }, { body: stored, ...(options.messageId !== undefined && { messageId: options.messageId }) }),
        ],
        ...kept,
        ['token', options.tokenFor(uuid)],
      ]),
    ),
  );
}
