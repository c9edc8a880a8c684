import type { Channel, ConsumeMessage } from 'amqplib';
import type { Subscription } from '../../../ports/event-bus.js';
import type { StateNotification } from '../../../protocol/state-notification.js';
import type { Restorable } from './amqp-connection.js';
import type { AmqpSession, BusLogger } from './amqp-session.js';

/** The subscription's channel on one session. */
interface Attachment {
  readonly session: AmqpSession;
  ready: Promise<void>;
  channel?: Channel;
  consumerTag?: string;
  /** Set before we close the channel ourselves, so its close is not taken for a failure. */
  closing: boolean;
  closed: boolean;
}

/**
 * A subscription to state notifications: an exclusive, auto-delete, server-named queue bound to
 * the state exchange with the topic `pattern`, consumed without acks. Notifications published
 * while the connection is down are missed (they are notifications, not the record); the queue and
 * binding are rebuilt on every new session.
 */
export class AmqpStateSubscription implements Restorable, Subscription {
  readonly #pattern: string;
  readonly #handler: (notification: StateNotification) => void;
  readonly #logger: BusLogger;
  readonly #onStop: (subscription: AmqpStateSubscription) => void;
  #attachment: Attachment | undefined;
  #stopped = false;

  constructor(
    pattern: string,
    handler: (notification: StateNotification) => void,
    logger: BusLogger,
    onStop: (subscription: AmqpStateSubscription) => void,
  ) {
    this.#pattern = pattern;
    this.#handler = handler;
    this.#logger = logger;
    this.#onStop = onStop;
  }

  isOn(session: AmqpSession): boolean {
    return this.#stopped || this.#attachment?.session === session;
  }

  restore(session: AmqpSession): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#attachment?.session === session) return this.#attachment.ready;
    const attachment: Attachment = { session, ready: Promise.resolve(), closing: false, closed: false };
    this.#attachment = attachment;
    attachment.ready = this.#attach(attachment);
    return attachment.ready;
  }

  /** True when subscribed on the live `session`. */
  healthyOn(session: AmqpSession): boolean {
    return (
      this.#stopped ||
      (this.#attachment?.session === session && this.#attachment.consumerTag !== undefined && !this.#attachment.closed)
    );
  }

  async #attach(attachment: Attachment): Promise<void> {
    const { session } = attachment;
    const channel = await session.createChannel('state subscription', () => attachment.closing);
    attachment.channel = channel;
    channel.once('close', () => {
      attachment.closed = true;
    });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(queue, session.names.state, this.#pattern);
    const { consumerTag } = await channel.consume(queue, (message) => this.#onMessage(attachment, message), {
      noAck: true,
    });
    attachment.consumerTag = consumerTag;
  }

  #onMessage(attachment: Attachment, message: ConsumeMessage | null): void {
    if (this.#stopped) return;
    if (message === null) {
      this.#logger.warn(
        { pattern: this.#pattern },
        'event bus state subscription cancelled by the broker; reconnecting',
      );
      attachment.session.recycle();
      return;
    }
    let notification: StateNotification;
    try {
      notification = JSON.parse(message.content.toString('utf8')) as StateNotification;
    } catch (err) {
      this.#logger.warn(
        { err, routingKey: message.fields.routingKey },
        'event bus state notification is not JSON; dropped',
      );
      return;
    }
    try {
      this.#handler(notification);
    } catch (err) {
      this.#logger.warn({ err, routingKey: message.fields.routingKey }, 'event bus state subscriber threw');
    }
  }

  /** Cancels the subscription and closes its channel, which deletes its queue. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#onStop(this);
    const attachment = this.#attachment;
    if (attachment === undefined) return;
    try {
      await attachment.ready;
    } catch {
      return;
    }
    attachment.closing = true;
    try {
      await attachment.channel?.close();
    } catch {
      // Already closed with its connection.
    }
  }
}
