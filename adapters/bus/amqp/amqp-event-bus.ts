import { randomUUID } from 'node:crypto';
import { connect, type ConsumeMessage, type GetMessage, type Options } from 'amqplib';
import { busUnavailable } from '../../../errors/index.js';
import type {
  ConsumeOptions,
  DeadLetter,
  Delivery,
  EventBus,
  PublishOptions,
  RequestOptions,
  Subscription,
} from '../../../ports/event-bus.js';
import { RequestTimeoutError } from '../../../ports/event-bus.js';
import { DIRECT_REPLY_TO } from '../../../protocol/amqp-names.js';
import { PendingReplies } from '../../../protocol/pending-replies.js';
import { redactUrl } from '../../../protocol/redact-url.js';
import { stateRoutingKey, type StateNotification } from '../../../protocol/state-notification.js';
import { AmqpConnection } from './amqp-connection.js';
import { AmqpConsumer } from './amqp-consumer.js';
import { forwardedHeaders, toDeadLetter } from './amqp-headers.js';
import type { AmqpSession, BusLogger } from './amqp-session.js';
import { AmqpStateSubscription } from './amqp-state-subscription.js';
import { amqpNames, deleteTopology, type AmqpNames } from './amqp-topology.js';

export type { BusLogger } from './amqp-session.js';

/** Options of {@link AmqpEventBus}. */
export interface AmqpEventBusOptions {
  /** `amqp://user:password@host:port/vhost` (amqplib URL; `?heartbeat=` etc. allowed). */
  readonly url: string;
  /** Prefix of every exchange and queue name (default `pipelinejobs`). */
  readonly prefix?: string;
  /** The manager queue (default `${prefix}.manager`). */
  readonly queue?: string;
  /** Receives warnings (connection lost, channel errors) and recovery notices; silent by default. */
  readonly logger?: BusLogger;
  /** Reconnection backoff: exponential with full jitter, from `initialMs` (100) up to `maxMs` (5000). */
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number };
}

const SILENT: BusLogger = { warn: () => undefined, info: () => undefined };

/**
 * {@link EventBus} on RabbitMQ (amqplib).
 *
 * Topology, all named from the prefix: the `.events` topic exchange feeding the durable manager
 * queue (bound with `#`); the `.dead` fanout exchange and queue for dead letters; durable
 * `.retry.<ms>` queues, declared on demand, that hold a message for its delay and then
 * dead-letter it straight back to the manager queue; the `.state` topic exchange for state
 * notifications. Publishes use a confirm channel; requests use RabbitMQ direct reply-to.
 *
 * When the connection is lost the bus reconnects with exponential backoff and full jitter,
 * re-declares the topology and restores every consumer and state subscription. Operations issued
 * meanwhile wait up to 10 s for the connection and then fail with an error whose message starts
 * with `event bus unavailable`. Deliveries handed out before the loss cannot be settled any more
 * (settling them does nothing); the broker hands them out again, marked redelivered.
 */
export class AmqpEventBus implements EventBus {
  readonly #url: string;
  readonly #names: AmqpNames;
  readonly #logger: BusLogger;
  readonly #connection: AmqpConnection;
  /** Requests waiting for their direct reply-to answer; `via` is the session that published each. */
  readonly #requests = new PendingReplies<unknown, undefined>();
  readonly #retryDelays = new Set<number>();
  readonly #consumers = new Set<AmqpConsumer | AmqpStateSubscription>();
  readonly #connectionName: string;

  constructor(options: AmqpEventBusOptions) {
    const prefix = options.prefix ?? 'pipelinejobs';
    this.#url = options.url;
    this.#names = amqpNames(prefix, options.queue);
    this.#logger = options.logger ?? SILENT;
    this.#connectionName = `${prefix} event bus (pid ${process.pid}, ${randomUUID().slice(0, 8)})`;
    this.#connection = new AmqpConnection({
      url: options.url,
      names: this.#names,
      connectionName: this.#connectionName,
      logger: this.#logger,
      initialMs: options.reconnect?.initialMs ?? 100,
      maxMs: options.reconnect?.maxMs ?? 5000,
      retryDelays: this.#retryDelays,
      onReply: (message) => this.#onReply(message),
      onSessionLost: (session) => this.#sessionLost(session),
    });
  }

  /** The name this bus gives its connection (`connection_name`, shown by `rabbitmqctl list_connections`). */
  get connectionName(): string {
    return this.#connectionName;
  }

  /** Connects and declares the topology; fails at once (no retries) if the broker is unreachable. */
  async start(): Promise<void> {
    await this.#connection.start();
  }

  /** Stops the consumers and subscriptions and closes the connection for good; idempotent. */
  async close(): Promise<void> {
    await Promise.all([...this.#consumers].map((c) => c.stop()));
    this.#requests.failWhere(() => busUnavailable('event bus unavailable: the bus is closed'));
    await this.#connection.close();
  }

  async publish(body: Buffer, options: PublishOptions = {}): Promise<void> {
    const routingKey = options.routingKey ?? 'event';
    await this.#connection.withSession(
      (s) => s.publish(this.#names.events, routingKey, body, eventProperties(options)),
      options.unavailableAfterMs,
    );
  }

  async consume(handler: (delivery: Delivery) => void, options: ConsumeOptions = {}): Promise<Subscription> {
    const consumer = new AmqpConsumer(handler, options.prefetch ?? 50, this.#logger, (c) => this.#forget(c));
    return this.#register(consumer);
  }

  async publishState(notification: StateNotification): Promise<void> {
    const routingKey = stateRoutingKey(notification);
    const body = Buffer.from(JSON.stringify(notification));
    await this.#connection.withSession((s) =>
      s.publish(this.#names.state, routingKey, body, { contentType: 'application/json' }),
    );
  }

  async subscribeState(pattern: string, handler: (notification: StateNotification) => void): Promise<Subscription> {
    return this.#register(new AmqpStateSubscription(pattern, handler, this.#logger, (s) => this.#forget(s)));
  }

  async reply(replyTo: string, correlationId: string, body: unknown): Promise<void> {
    const content = Buffer.from(JSON.stringify(body));
    await this.#connection.withSession((s) =>
      s.publish('', replyTo, content, { correlationId, contentType: 'application/json' }),
    );
  }

  /**
   * Publishes like {@link publish} and waits for the reply. The bus sets `replyTo` (RabbitMQ
   * direct reply-to) and a random `correlationId`, overriding those options. Rejects with
   * "timed out" after `timeoutMs` (waiting for a reconnection counts), with the publish error if
   * the request cannot be sent, and at once if the connection is lost before the reply.
   */
  async request(body: Buffer, options: RequestOptions): Promise<unknown> {
    const { timeoutMs, signal, ...publish } = options;
    const correlationId = randomUUID();
    const reply = this.#requests.expect(correlationId, {
      timeoutMs,
      context: undefined,
      ...(signal !== undefined && { signal }),
      expired: (why, waiting) => new RequestTimeoutError(`event bus request ${why} without a reply`, waiting.confirmed),
    });
    const properties = { ...eventProperties(publish), replyTo: DIRECT_REPLY_TO, correlationId };
    this.#connection
      .withSession(async (s) => {
        await s.publish(this.#names.events, publish.routingKey ?? 'event', body, properties);
        // Its reply can only come back on the channel that published it.
        if (this.#requests.confirm(correlationId, s) && !s.usable) this.#sessionLost(s);
      }, publish.unavailableAfterMs)
      .catch((err: unknown) =>
        this.#requests.fail(
          correlationId,
          err instanceof Error ? err : new Error('event bus request failed', { cause: err }),
        ),
      );
    return reply;
  }

  /** Settles the request a reply answers; replies nobody waits for (timed out) are dropped. */
  #onReply(message: ConsumeMessage): void {
    const id: unknown = message.properties.correlationId;
    if (typeof id !== 'string') return;
    const pending = this.#requests.take(id);
    if (pending === undefined) return;
    try {
      pending.resolve(JSON.parse(message.content.toString('utf8')));
    } catch (err) {
      pending.reject(new Error('event bus request: the reply is not JSON', { cause: err }));
    }
  }

  /** Fails the requests published on `session`: their replies can no longer arrive. */
  #sessionLost(session: AmqpSession): void {
    this.#requests.failWhere((waiting) =>
      waiting.via === session
        ? busUnavailable('event bus unavailable: connection lost while waiting for the reply')
        : undefined,
    );
  }

  /** With `keep`, the letters stay unacknowledged (held by this channel) until it resolves. */
  async drainDeadLetters(max: number, keep?: (letters: readonly DeadLetter[]) => Promise<void>): Promise<DeadLetter[]> {
    return this.#connection.withSession(async (s) => {
      const taken: GetMessage[] = [];
      while (taken.length < max) {
        const message = await s.get(this.#names.dead);
        if (message === false) break;
        taken.push(message);
      }
      const letters = taken.map(toDeadLetter);
      try {
        if (keep !== undefined && letters.length > 0) await keep(letters);
      } catch (err) {
        for (const message of taken) s.requeue(message);
        throw err;
      }
      for (const message of taken) s.ack(message);
      return letters;
    });
  }

  /** True when connected, with the main channel and every consumer's channel open. */
  async isHealthy(): Promise<boolean> {
    const session = this.#connection.current();
    return session !== undefined && [...this.#consumers].every((c) => c.healthyOn(session));
  }

  /**
   * Deletes this prefix's queues (with their messages) and exchanges, and the retry queues this
   * instance declared, over a connection of its own (works after {@link close}). For tests and
   * teardown scripts; never called by the product.
   */
  async deleteTopology(): Promise<void> {
    let model;
    try {
      model = await connect(this.#url, { clientProperties: { connection_name: `${this.#connectionName} cleanup` } });
    } catch (err) {
      throw busUnavailable(`event bus unavailable: cannot connect to ${redactUrl(this.#url)}`, err);
    }
    try {
      const channel = await model.createChannel();
      await deleteTopology(channel, this.#names, this.#retryDelays);
    } finally {
      await model.close();
    }
  }

  async #register<T extends AmqpConsumer | AmqpStateSubscription>(consumer: T): Promise<T> {
    this.#consumers.add(consumer);
    this.#connection.add(consumer);
    try {
      await this.#connection.withSession((s) => consumer.restore(s));
    } catch (err) {
      await consumer.stop();
      throw err;
    }
    return consumer;
  }

  #forget(consumer: AmqpConsumer | AmqpStateSubscription): void {
    this.#consumers.delete(consumer);
    this.#connection.remove(consumer);
  }
}

/** AMQP properties of an event: persistent JSON, plus the caller's headers and addresses. */
function eventProperties(options: PublishOptions): Options.Publish {
  return {
    persistent: true,
    contentType: 'application/json',
    // The bus's own bookkeeping headers (attempts, original routing key) cannot be forged by a publisher.
    headers: forwardedHeaders(options.headers ?? {}),
    ...(options.replyTo === undefined ? {} : { replyTo: options.replyTo }),
    ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId }),
    ...(options.messageId === undefined ? {} : { messageId: options.messageId }),
  };
}
