import { isPlainObject } from '../schemas/index.js';

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
