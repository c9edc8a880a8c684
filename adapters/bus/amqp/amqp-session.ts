import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, GetMessage, Options } from 'amqplib';
import { DIRECT_REPLY_TO } from '../../../protocol/amqp-names.js';
import { declareRetryQueue, declareTopology, RETRY_QUEUE_REDECLARE_MS, type AmqpNames } from './amqp-topology.js';

/** The logger the bus writes to: a structural subset of pino's. */
export interface BusLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** What a session reports to its owner. */
export interface SessionHooks {
  readonly logger: BusLogger;
  /** Delays of the retry queues declared so far (by any session), for cleanup. */
  readonly retryDelays: Set<number>;
  /** A reply to a request published on this session's channel. */
  onReply(message: ConsumeMessage): void;
  /** The session can no longer be used (its connection or its channel is gone). */
  onBroken(session: AmqpSession): void;
}

/**
 * One live connection: the declared topology and a confirm channel for everything that is not a
 * consumer (publishes, declarations, dead-letter reads, and the direct reply-to consumer, which
 * must live on the channel requests are published on). A session is never repaired: when any
 * part of it breaks, the connection is closed and the recovery loop builds a new session.
 */
export class AmqpSession {
  readonly #model: ChannelModel;
  readonly #channel: ConfirmChannel;
  readonly #names: AmqpNames;
  readonly #hooks: SessionHooks;
  readonly #retryQueues = new Map<number, { readonly at: number; readonly declared: Promise<string> }>();
  #broken = false;
  #connectionGone = false;

  private constructor(model: ChannelModel, channel: ConfirmChannel, names: AmqpNames, hooks: SessionHooks) {
    this.#model = model;
    this.#channel = channel;
    this.#names = names;
    this.#hooks = hooks;
  }

  /** Opens the main channel on `model`, declares the topology and starts the reply consumer. */
  static async open(model: ChannelModel, names: AmqpNames, hooks: SessionHooks): Promise<AmqpSession> {
    // Listen before the first await: an 'error' event without a listener would throw.
    model.on('error', (err: Error) => hooks.logger.warn({ err }, 'event bus connection error'));
    const channel = await model.createConfirmChannel();
    const session = new AmqpSession(model, channel, names, hooks);
    model.once('close', () => session.#connectionClosed());
    channel.once('close', () => session.#markBroken());
    session.#watch(channel, 'main channel', () => false);
    await declareTopology(channel, names);
    await channel.consume(DIRECT_REPLY_TO, (message) => message && hooks.onReply(message), { noAck: true });
    return session;
  }

  /** The exchange and queue names of the bus. */
  get names(): AmqpNames {
    return this.#names;
  }

  /** True until the connection or the main channel goes away. */
  get usable(): boolean {
    return !this.#broken;
  }

  /** Opens a channel whose unexpected loss breaks the session (see `#watch`). */
  async createChannel(what: string, expected: () => boolean): Promise<Channel> {
    const channel = await this.#model.createChannel();
    this.#watch(channel, what, expected);
    return channel;
  }

  /**
   * Logs the channel's errors (a channel 'error' without a listener would throw) and, when it
   * closes while the connection stays up and `expected()` is false, closes the connection so
   * that recovery rebuilds every channel and consumer in one well-tested path.
   */
  #watch(channel: Channel, what: string, expected: () => boolean): void {
    channel.on('error', (err: Error) => this.#hooks.logger.warn({ err, channel: what }, 'event bus channel error'));
    channel.once('close', () => {
      if (expected() || this.#connectionGone) return;
      // The connection closes its channels before it reports its own close: wait one turn to
      // tell a lost connection (handled by recovery) from a channel the broker closed alone.
      setImmediate(() => {
        if (this.#connectionGone) return;
        this.#hooks.logger.warn({ channel: what }, 'event bus channel closed unexpectedly; reconnecting');
        this.recycle();
      });
    });
  }

  /** Closes the connection; the recovery loop then reconnects and restores everything. */
  recycle(): void {
    this.#markBroken();
    this.#model.close().catch(() => {
      // Already closed: recovery is under way.
    });
  }

  /** Publishes and resolves once the broker confirms. */
  publish(exchange: string, routingKey: string, body: Buffer, options: Options.Publish): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        // amqplib calls back with null on ack, with an Error on nack or when the channel closes.
        this.#channel.publish(exchange, routingKey, body, options, (err: Error | null) =>
          err === null ? resolve() : reject(err),
        );
      } catch (err) {
        // Thrown synchronously: the channel is closed or closing, or the headers are too large.
        reject(err instanceof Error ? err : new Error('event bus publish failed', { cause: err }));
      }
    });
  }

  /** The retry queue for `delayMs`, declared on first use and re-declared before it could expire. */
  retryQueue(delayMs: number): Promise<string> {
    const cached = this.#retryQueues.get(delayMs);
    if (cached !== undefined && Date.now() - cached.at < RETRY_QUEUE_REDECLARE_MS) return cached.declared;
    const entry = { at: Date.now(), declared: declareRetryQueue(this.#channel, this.#names, delayMs) };
    this.#retryQueues.set(delayMs, entry);
    this.#hooks.retryDelays.add(delayMs);
    entry.declared.catch(() => {
      if (this.#retryQueues.get(delayMs) === entry) this.#retryQueues.delete(delayMs);
    });
    return entry.declared;
  }

  /** Takes one message off `queue` (unacknowledged), or `false` when it is empty. */
  get(queue: string): Promise<GetMessage | false> {
    return this.#channel.get(queue, { noAck: false });
  }

  /** Acknowledges a message taken with {@link get}. */
  ack(message: GetMessage): void {
    this.#channel.ack(message);
  }

  /** Gives a message taken with {@link get} back to its queue. */
  requeue(message: GetMessage): void {
    this.#channel.nack(message, false, true);
  }

  #connectionClosed(): void {
    this.#connectionGone = true;
    this.#markBroken();
  }

  #markBroken(): void {
    if (this.#broken) return;
    this.#broken = true;
    this.#hooks.onBroken(this);
  }
}
