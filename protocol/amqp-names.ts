/**
 * Names on the AMQP wire that publishers, the manager, the bus adapters and the client share.
 * A message's `x-pjm-*` headers are bookkeeping: the bus never shows them to consumers as user headers.
 */

/** Prefix of every header this tracker writes on a message. */
export const PJM_HEADER_PREFIX = 'x-pjm-';

/** Header names, by what they carry. */
export const PJM_HEADER = {
  /** Epoch milliseconds at which the event was published (the manager's queue-lag metric). */
  publishedAt: 'x-pjm-published-at',
  /** How many times the message went through a delayed retry. */
  attempts: 'x-pjm-attempts',
  /** The routing key the message was first published with (a retry travels under another one). */
  originalRoutingKey: 'x-pjm-original-routing-key',
  /** Why a dead letter was refused: its error code, message and what was known of its token. */
  reasonCode: 'x-pjm-reason-code',
  reasonMessage: 'x-pjm-reason-message',
  reasonToken: 'x-pjm-reason-token',
  /** ISO-8601 time the message was dead-lettered. */
  deadAt: 'x-pjm-dead-at',
  /** The dead letter's id, given when it was dead-lettered (a uuid). */
  deadId: 'x-pjm-dead-id',
} as const;

/** RabbitMQ direct reply-to: replies come back on the channel that published, no queue needed. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/** The headers of an event as it is published: when it was (for the manager's queue-lag metric). */
export function publishHeaders(now: number = Date.now()): { readonly [PJM_HEADER.publishedAt]: number } {
  return { [PJM_HEADER.publishedAt]: now };
}

/** When the event was published (epoch ms), if its headers say so. */
export function publishedAt(headers: Readonly<Record<string, unknown>>): number | undefined {
  const value = headers[PJM_HEADER.publishedAt];
  return typeof value === 'number' ? value : undefined;
}
