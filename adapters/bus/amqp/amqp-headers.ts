import { createHash } from 'node:crypto';
import type { GetMessage, Message, MessagePropertyHeaders } from 'amqplib';
import type { DeadLetter, DeadLetterReason, HeaderValue } from '../../../ports/event-bus.js';
import { PJM_HEADER, PJM_HEADER_PREFIX } from '../../../protocol/amqp-names.js';
import { newDeadLetterId } from '../../../model/dead-letter-id.js';

/** Raw AMQP header table as amqplib decodes it. */
export type RawHeaders = Readonly<Record<string, unknown>>;

/** Bookkeeping of the bus itself and of broker dead-lettering (`x-death`, `x-first-death-*`, …). */
function isBookkeeping(key: string): boolean {
  return (
    key.startsWith(PJM_HEADER_PREFIX) ||
    key === 'x-death' ||
    key.startsWith('x-first-death-') ||
    key.startsWith('x-last-death-')
  );
}

/** Headers of `message` as amqplib decoded them (an empty table when there are none). */
export function rawHeaders(message: Message): RawHeaders {
  const headers: MessagePropertyHeaders | undefined = message.properties.headers;
  return headers ?? {};
}

/** The user's headers, values of any AMQP type, to carry over when the bus re-publishes a message. */
export function forwardedHeaders(raw: RawHeaders): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) if (!isBookkeeping(key)) out[key] = value;
  return out;
}

/** The user's headers as the port shows them: only string, number and boolean values. */
export function publicHeaders(raw: RawHeaders): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (isBookkeeping(key)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  return out;
}

/** How many times the message went through `retryLater`. */
export function attemptsOf(raw: RawHeaders): number {
  const value = raw[PJM_HEADER.attempts];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

/** The routing key the message was first published with (a retry travels under another one). */
export function originalRoutingKey(message: Message): string {
  const value = rawHeaders(message)[PJM_HEADER.originalRoutingKey];
  return typeof value === 'string' ? value : message.fields.routingKey;
}

/** Headers of a message on its way to a retry queue: the next attempt, and where it came from. */
export function retryHeaders(raw: RawHeaders, routingKey: string, attempts: number): Record<string, unknown> {
  return { ...forwardedHeaders(raw), [PJM_HEADER.attempts]: attempts + 1, [PJM_HEADER.originalRoutingKey]: routingKey };
}

/** Headers of a dead letter: the original ones plus the reason and the bookkeeping. */
export function deadLetterHeaders(
  raw: RawHeaders,
  routingKey: string,
  attempts: number,
  reason: DeadLetterReason,
  now: Date,
): Record<string, unknown> {
  return {
    ...forwardedHeaders(raw),
    [PJM_HEADER.reasonCode]: reason.code,
    [PJM_HEADER.reasonMessage]: reason.message,
    [PJM_HEADER.reasonToken]: reason.token ?? 'unchecked',
    [PJM_HEADER.originalRoutingKey]: routingKey,
    [PJM_HEADER.attempts]: attempts,
    [PJM_HEADER.deadAt]: now.toISOString(),
    [PJM_HEADER.deadId]: newDeadLetterId(),
  };
}

/**
 * The id of a dead letter: the one given when it was dead-lettered, or, for a letter of a version
 * that gave none, one derived from its bytes and headers (the same on every read).
 */
function deadLetterId(message: GetMessage, raw: RawHeaders): string {
  const given = raw[PJM_HEADER.deadId];
  if (typeof given === 'string' && given !== '') return given;
  const digest = createHash('sha256')
    .update(message.content)
    .update(JSON.stringify([raw[PJM_HEADER.deadAt], raw[PJM_HEADER.reasonCode], message.properties.messageId]))
    .digest('hex');
  const part = (from: number, to: number): string => digest.slice(from, to);
  return `${part(0, 8)}-${part(8, 12)}-${part(12, 16)}-${part(16, 20)}-${part(20, 32)}`;
}

/** Reads a message of the dead-letter queue back into the port's form. */
export function toDeadLetter(message: GetMessage): DeadLetter {
  const raw = rawHeaders(message);
  const text = (key: string): string => {
    const value = raw[key];
    return typeof value === 'string' ? value : '';
  };
  const token = text(PJM_HEADER.reasonToken);
  const messageId: unknown = message.properties.messageId;
  return {
    id: deadLetterId(message, raw),
    deadAt: text(PJM_HEADER.deadAt) || new Date(0).toISOString(),
    body: message.content,
    routingKey: originalRoutingKey(message),
    headers: publicHeaders(raw),
    ...(typeof messageId === 'string' && { messageId }),
    reason: {
      code: text(PJM_HEADER.reasonCode),
      message: text(PJM_HEADER.reasonMessage),
      token: token === 'verified' || token === 'refused' ? token : 'unchecked',
    },
    attempts: attemptsOf(raw),
  };
}
