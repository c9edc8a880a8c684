import type { ConsumeMessage, Message, Options } from 'amqplib';
import type { DeadLetterReason, Delivery } from '../../../ports/event-bus.js';
import {
  attemptsOf,
  deadLetterHeaders,
  originalRoutingKey,
  publicHeaders,
  rawHeaders,
  retryHeaders,
} from './amqp-headers.js';
import type { AmqpSession } from './amqp-session.js';

/** The consumer channel a message came from, as its {@link Delivery} needs it. */
export interface DeliveryOrigin {
  readonly session: AmqpSession;
  /** False once the channel is closed or closing: the broker hands the message out again. */
  isOpen(): boolean;
  ack(message: Message): void;
  /** Returns the message to its queue. */
  requeue(message: Message): void;
  /** Called once per delivery when it is settled (or settling became moot). */
  settled(): void;
}

/**
 * Properties carried over when the bus re-publishes a message (retry, dead letter). `userId` is
 * left out because the broker checks it against the publishing connection's user, `expiration`
 * because a per-message TTL would expire the copy in the wrong queue.
 */
function republishOptions(message: Message, headers: Record<string, unknown>): Options.Publish {
  const p = message.properties;
  const options: Options.Publish = { persistent: true, headers };
  const copy = [
    'contentType',
    'contentEncoding',
    'correlationId',
    'replyTo',
    'messageId',
    'timestamp',
    'type',
    'appId',
    'priority',
  ] as const;
  for (const key of copy) {
    const value: unknown = p[key];
    if (value !== undefined) Object.assign(options, { [key]: value });
  }
  return options;
}

function optional<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  return typeof value === 'string' ? ({ [key]: value } as { [P in K]: string }) : {};
}

/**
 * Wraps a consumed message. Each settlement runs at most once; a second call resolves without
 * effect. When the channel the message came from is gone (the connection was lost), settling is
 * a no-op: the broker hands the message out again, which at-least-once delivery allows.
 */
export function toDelivery(message: ConsumeMessage, origin: DeliveryOrigin): Delivery {
  const raw = rawHeaders(message);
  const routingKey = originalRoutingKey(message);
  const attempts = attemptsOf(raw);
  const { session } = origin;
  let settled = false;

  const settle = async (effect: () => Promise<void> | void): Promise<void> => {
    if (settled) return;
    settled = true;
    if (!origin.isOpen()) return origin.settled();
    try {
      await effect();
    } catch (err) {
      if (origin.isOpen() && session.usable) {
        // Still deliverable and still held: let the caller settle it another way.
        settled = false;
        throw err;
      }
    }
    origin.settled();
  };

  return {
    body: message.content,
    routingKey,
    headers: publicHeaders(raw),
    ...optional('replyTo', message.properties.replyTo),
    ...optional('correlationId', message.properties.correlationId),
    ...optional('messageId', message.properties.messageId),
    ...optional('userId', message.properties.userId),
    attempts,
    redelivered: message.fields.redelivered,
    ack: () => settle(() => origin.ack(message)),
    requeue: () => settle(() => origin.requeue(message)),
    retryLater: (delayMs: number) => {
      if (!Number.isFinite(delayMs) || delayMs < 0)
        return Promise.reject(new RangeError(`retryLater: delay must be a non-negative number of ms, got ${delayMs}`));
      return settle(async () => {
        const queue = await session.retryQueue(Math.round(delayMs));
        await session.publish(
          '',
          queue,
          message.content,
          republishOptions(message, retryHeaders(raw, routingKey, attempts)),
        );
        origin.ack(message);
      });
    },
    deadLetter: (reason: DeadLetterReason, stored?: Buffer) =>
      settle(async () => {
        const headers = deadLetterHeaders(raw, routingKey, attempts, reason, new Date());
        await session.publish(
          session.names.dead,
          routingKey,
          stored ?? message.content,
          republishOptions(message, headers),
        );
        origin.ack(message);
      }),
  };
}
