import type { Channel, ConsumeMessage } from 'amqplib';
import type { Delivery, Subscription } from '../../../ports/event-bus.js';
import type { Restorable } from './amqp-connection.js';
import { toDelivery, type DeliveryOrigin } from './amqp-delivery.js';
import type { AmqpSession, BusLogger } from './amqp-session.js';

/** The consumer's channel on one session. */
class Attachment implements DeliveryOrigin {
  readonly session: AmqpSession;
  readonly #onSettled: (attachment: Attachment) => void;
  channel: Channel | undefined;
  consumerTag: string | undefined;
  ready: Promise<void> = Promise.resolve();
  /** Deliveries handed to the handler and not settled yet. */
  outstanding = 0;
  cancelled = false;
  /** Set before we close the channel ourselves, so its close is not taken for a failure. */
  closing = false;
  closed = false;

  constructor(session: AmqpSession, onSettled: (attachment: Attachment) => void) {
    this.session = session;
    this.#onSettled = onSettled;
  }

  isOpen(): boolean {
    return this.channel !== undefined && !this.closed && !this.closing;
  }

  ack(message: ConsumeMessage): void {
    this.channel?.ack(message);
  }

  requeue(message: ConsumeMessage): void {
    this.channel?.nack(message, false, true);
  }

  settled(): void {
    this.outstanding--;
    this.#onSettled(this);
  }

  close(): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    this.channel?.close().catch(() => {
      // Already closed with its connection.
    });
  }
}

/**
 * A consumer of the manager queue: its own channel with `prefetch` and manual acks, rebuilt on
 * every new session with the same handler and options.
 */
export class AmqpConsumer implements Restorable, Subscription {
  readonly #handler: (delivery: Delivery) => void;
  readonly #prefetch: number;
  readonly #logger: BusLogger;
  readonly #onStop: (consumer: AmqpConsumer) => void;
  #attachment: Attachment | undefined;
  #stopped = false;

  constructor(
    handler: (delivery: Delivery) => void,
    prefetch: number,
    logger: BusLogger,
    onStop: (consumer: AmqpConsumer) => void,
  ) {
    this.#handler = handler;
    this.#prefetch = prefetch;
    this.#logger = logger;
    this.#onStop = onStop;
  }

  isOn(session: AmqpSession): boolean {
    return this.#stopped || this.#attachment?.session === session;
  }

  restore(session: AmqpSession): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#attachment?.session === session) return this.#attachment.ready;
    const attachment = new Attachment(session, (a) => this.#closeIfDone(a));
    this.#attachment = attachment;
    attachment.ready = this.#attach(attachment);
    return attachment.ready;
  }

  /** True when consuming on the live `session`. */
  healthyOn(session: AmqpSession): boolean {
    return (
      this.#stopped ||
      (this.#attachment?.session === session && this.#attachment.consumerTag !== undefined && this.#attachment.isOpen())
    );
  }

  async #attach(attachment: Attachment): Promise<void> {
    const { session } = attachment;
    const channel = await session.createChannel('consumer', () => attachment.closing);
    attachment.channel = channel;
    channel.once('close', () => {
      attachment.closed = true;
    });
    await channel.prefetch(this.#prefetch);
    const { consumerTag } = await channel.consume(
      session.names.queue,
      (message) => this.#onMessage(attachment, message),
      { noAck: false },
    );
    attachment.consumerTag = consumerTag;
  }

  #onMessage(attachment: Attachment, message: ConsumeMessage | null): void {
    if (message === null) {
      if (this.#stopped) return;
      this.#logger.warn(
        { queue: attachment.session.names.queue },
        'event bus consumer cancelled by the broker; reconnecting',
      );
      attachment.session.recycle();
      return;
    }
    if (this.#stopped) {
      // Arrived between stop() and the broker's cancel-ok: not ours to hand out any more.
      attachment.requeue(message);
      return;
    }
    attachment.outstanding++;
    const delivery = toDelivery(message, attachment);
    try {
      this.#handler(delivery);
    } catch (err) {
      this.#logger.warn({ err, routingKey: delivery.routingKey }, 'event bus consumer handler threw; message requeued');
      delivery
        .requeue()
        .catch((requeueErr: unknown) => this.#logger.warn({ err: requeueErr }, 'event bus requeue failed'));
    }
  }

  #closeIfDone(attachment: Attachment): void {
    if (this.#stopped && attachment.cancelled && attachment.outstanding === 0) attachment.close();
  }

  /** Cancels the consumer; deliveries already handed out can still be settled. */
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
    if (attachment.isOpen() && attachment.consumerTag !== undefined) {
      try {
        await attachment.channel?.cancel(attachment.consumerTag);
      } catch {
        // The channel went away meanwhile: nothing more will arrive on it.
      }
    }
    attachment.cancelled = true;
    this.#closeIfDone(attachment);
  }
}
