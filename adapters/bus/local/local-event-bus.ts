import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type {
  ConsumeOptions,
  DeadLetter,
  Delivery,
  EventBus,
  PublishOptions,
  RequestOptions,
  StateNotification,
  Subscription,
} from '../../../ports/event-bus.js';
import { RequestTimeoutError } from '../../../ports/event-bus.js';
import { PendingReplies } from '../../../protocol/pending-replies.js';
import { LocalChannel } from './local-channel.js';
import { LocalConsumer, type ConsumerHost } from './local-consumer.js';
import { LocalQueue, type LeasedMessage, type NewMessage } from './local-queue.js';
import { WriteBatcher } from '../../sqlite/write-batcher.js';

/** Options of {@link LocalEventBus}. */
export interface LocalEventBusOptions {
  /** The SQLite file holding the queue (shared by every process that opens it), or `:memory:`. */
  readonly path: string;
  /**
   * How long a handout stays leased to its consumer without renewal (default 10000 ms). Leases
   * are renewed every third of it while unsettled, so this is how long the messages of a killed
   * process wait before another consumer gets them.
   */
  readonly leaseMs?: number;
  /** How often consumers look for messages published by other processes (default 50 ms). */
  readonly pollMs?: number;
}

const BUSY_TIMEOUT_MS = 5000;

/**
 * {@link EventBus} for embedded mode, with the semantics of the AMQP adapter and no broker: the
 * events and dead-letter queues live in one SQLite table (WAL), so a message survives a killed
 * process, and several processes may share the file (producers, consumers, or both).
 *
 * - `publish` resolves once the INSERT is committed. When nothing older is waiting and a consumer
 *   of this bus has room, the message is written already leased to it and handed over directly.
 * - A consumer leases messages in publish order; an unsettled lease is renewed while this
 *   process lives and released by `close()`. After `kill -9` the lease runs out after `leaseMs`
 *   and another consumer receives the message with `redelivered: true`.
 * - Settlements commit before their promise resolves; writes of one event-loop turn share one
 *   transaction. A settlement of a lease that was lost meanwhile changes nothing.
 * - Consumer and state handlers must not throw: a thrown error surfaces as an uncaught
 *   exception, as it would from an EventEmitter listener.
 * - State notifications and replies stay in this process and are not durable. A reply for a
 *   requester of another process is dropped; that requester times out.
 *
 * Design and the differences from RabbitMQ: `docs/local-event-bus.md`.
 */
export class LocalEventBus implements EventBus {
  readonly #queue: LocalQueue;
  readonly #writes: WriteBatcher;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #channelKey: string;
  readonly #replyAddress = `local-reply:${randomUUID()}`;
  readonly #consumers = new Set<LocalConsumer>();
  /** Requests waiting for their reply, with their correlation id as context. */
  readonly #requests = new PendingReplies<unknown, string>();
  #channel: LocalChannel | undefined;
  #stopWaking: (() => void) | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: LocalEventBusOptions) {
    this.#leaseMs = positive('leaseMs', options.leaseMs ?? 10_000);
    this.#pollMs = positive('pollMs', options.pollMs ?? 50);
    this.#queue = new LocalQueue(options.path, BUSY_TIMEOUT_MS);
    this.#writes = new WriteBatcher((work) => this.#queue.transaction(work));
    this.#channelKey = options.path === ':memory:' ? this.#replyAddress : resolve(options.path);
  }

  async start(): Promise<void> {
    if (this.#channel !== undefined || this.#closed) return;
    this.#queue.init();
    const channel = LocalChannel.join(this.#channelKey);
    this.#channel = channel;
    this.#stopWaking = channel.onPublish(() => {
      for (const consumer of this.#consumers) consumer.wake();
    });
    LocalChannel.listenForReplies(this.#replyAddress, (correlationId, body) => this.#answer(correlationId, body));
    this.#renewTimer = setInterval(() => this.#renewLeases(), Math.max(1, Math.floor(this.#leaseMs / 3)));
    this.#renewTimer.unref();
  }

  /**
   * Stops every consumer, commits settlements already asked for, gives the messages of
   * unsettled handouts back to the queue (another instance gets them at once, redelivered),
   * fails pending requests and closes the file. Later settlements are no-ops.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#renewTimer);
    for (const consumer of this.#consumers) consumer.stop();
    try {
      if (this.#channel !== undefined) {
        this.#writes.flush();
        // If this fails, the leases simply run out after leaseMs.
        this.#queue.release([...this.#consumers].flatMap((consumer) => [...consumer.held]));
      }
    } finally {
      this.#stopWaking?.();
      this.#channel?.leave();
      LocalChannel.dropReplyAddress(this.#replyAddress);
      this.#consumers.clear();
      this.#requests.failWhere(
        ({ context }) => new Error(`local event bus closed before the reply to request ${context} arrived`),
      );
      this.#queue.close();
    }
  }

  async publish(body: Buffer, options: PublishOptions = {}): Promise<void> {
    const channel = this.#started();
    if (!Buffer.isBuffer(body)) throw new TypeError('publish needs a Buffer body');
    const message: NewMessage = {
      body,
      routingKey: options.routingKey ?? 'event',
      headers: options.headers ?? {},
      ...(options.replyTo === undefined ? {} : { replyTo: options.replyTo }),
      ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId }),
      ...(options.messageId === undefined ? {} : { messageId: options.messageId }),
    };
    let taker: LocalConsumer | undefined;
    let handout: LeasedMessage | undefined;
    try {
      await this.#writes.enqueue(() => {
        const now = Date.now();
        // The read for older messages only when a consumer could take this one: a process that
        // only publishes (or whose consumers are full) inserts as before.
        taker = this.#consumerWithRoom();
        if (taker !== undefined && this.#queue.hasAvailable(now)) {
          taker.unreserve();
          taker = undefined;
        }
        if (taker === undefined) this.#queue.insert(message, now);
        else handout = this.#queue.insertLeased(message, now, taker.owner, this.#leaseMs);
      });
    } catch (error) {
      taker?.unreserve();
      throw error;
    }
    if (taker !== undefined && handout !== undefined) taker.handOver(handout);
    else channel.published();
  }

  async consume(handler: (delivery: Delivery) => void, options: ConsumeOptions = {}): Promise<Subscription> {
    this.#started();
    const prefetch = options.prefetch ?? 50;
    if (!Number.isInteger(prefetch) || prefetch < 1)
      throw new RangeError(`prefetch must be a positive integer, got ${prefetch}`);
    const consumer = new LocalConsumer(this.#consumerHost(), handler, prefetch);
    this.#consumers.add(consumer);
    return { stop: async () => consumer.stop() };
  }

  async publishState(notification: StateNotification): Promise<void> {
    this.#started().notify(notification);
  }

  async subscribeState(pattern: string, handler: (notification: StateNotification) => void): Promise<Subscription> {
    const unsubscribe = this.#started().subscribe(pattern, handler);
    return { stop: async () => unsubscribe() };
  }

  /** Replies travel as JSON, as over AMQP: the requester receives a copy, never `body` itself. */
  async reply(replyTo: string, correlationId: string, body: unknown): Promise<void> {
    const json = JSON.stringify(body) as string | undefined;
    if (json === undefined) throw new TypeError('reply body must be JSON-serializable');
    LocalChannel.deliverReply(replyTo, correlationId, JSON.parse(json));
  }

  async request(body: Buffer, options: RequestOptions): Promise<unknown> {
    const { timeoutMs, signal, ...publishOptions } = options;
    const correlationId = randomUUID();
    const reply = this.#requests.expect(correlationId, {
      timeoutMs,
      context: correlationId,
      ...(signal !== undefined && { signal }),
      expired: (why, waiting) => new RequestTimeoutError(`request ${why} without a reply`, waiting.confirmed),
    });
    this.publish(body, { ...publishOptions, replyTo: this.#replyAddress, correlationId }).then(
      () => this.#requests.confirm(correlationId),
      (error: unknown) => this.#requests.fail(correlationId, error instanceof Error ? error : new Error(String(error))),
    );
    return reply;
  }

  /** Reads the letters, awaits `keep`, then deletes them: a crash in between leaves them to be kept again. */
  async drainDeadLetters(max: number, keep?: (letters: readonly DeadLetter[]) => Promise<void>): Promise<DeadLetter[]> {
    this.#started();
    const found = this.#queue.peekDead(max);
    const letters = found.map((row) => row.letter);
    if (keep !== undefined && letters.length > 0) await keep(letters);
    this.#started();
    this.#queue.removeDead(found.map((row) => row.seq));
    return letters;
  }

  async isHealthy(): Promise<boolean> {
    return this.#channel !== undefined && !this.#closed && this.#queue.open;
  }

  #started(): LocalChannel {
    if (this.#closed) throw new Error('local event bus is closed');
    if (this.#channel === undefined) throw new Error('local event bus is not started (call start() first)');
    return this.#channel;
  }

  /**
   * A consumer of this bus that can take a message at once (room reserved), to be handed it
   * straight from the publish: the lease, its transaction and the consumer's wake-up turn are
   * saved, and the message is in the file, leased, like any other handout.
   */
  #consumerWithRoom(): LocalConsumer | undefined {
    for (const consumer of this.#consumers) if (consumer.reserve()) return consumer;
    return undefined;
  }

  #consumerHost(): ConsumerHost {
    return {
      queue: this.#queue,
      writes: this.#writes,
      leaseMs: this.#leaseMs,
      pollMs: this.#pollMs,
      isClosed: () => this.#closed,
      retire: (consumer) => this.#consumers.delete(consumer),
    };
  }

  #answer(correlationId: string, body: unknown): void {
    this.#requests.take(correlationId)?.resolve(body);
  }

  #renewLeases(): void {
    const held = [...this.#consumers].flatMap((consumer) => [...consumer.held]);
    if (held.length === 0) return;
    try {
      this.#queue.renew(held, Date.now() + this.#leaseMs);
    } catch (error) {
      // The next tick tries again; leases last three ticks.
      process.emitWarning(error instanceof Error ? error : String(error), { code: 'PJM_LOCAL_BUS_RENEW' });
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}
