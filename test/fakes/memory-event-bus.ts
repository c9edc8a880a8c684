import { randomUUID } from 'node:crypto';
import { topicMatches } from '../../adapters/bus/local/topic-matches.js';
import {
  RequestTimeoutError,
  type ConsumeOptions,
  type DeadLetter,
  type DeadLetterReason,
  type Delivery,
  type EventBus,
  type PublishOptions,
  type RequestOptions,
  type StateNotification,
  type Subscription,
} from '../../ports/event-bus.js';

/** A message on the events queue, between deliveries. */
interface Message {
  readonly body: Buffer;
  readonly routingKey: string;
  readonly headers: Readonly<Record<string, string | number | boolean>>;
  readonly replyTo?: string;
  readonly correlationId?: string;
  readonly messageId?: string;
  readonly attempts: number;
  readonly redelivered: boolean;
}

interface Consumer {
  readonly handler: (delivery: Delivery) => void;
  readonly prefetch: number;
  unsettled: number;
  active: boolean;
}

interface PendingRequest {
  readonly resolve: (body: unknown) => void;
}

/**
 * {@link EventBus} in memory, for unit tests of the code above the port; it passes
 * `test/contract/event-bus.contract.ts` (its queues die with the instance, like the local bus on
 * `:memory:`). Deliveries are handed out on a later turn of the event loop, never from inside the
 * call that published or settled, as a real bus would.
 */
export class MemoryEventBus implements EventBus {
  readonly #queue: Message[] = [];
  readonly #dead: DeadLetter[] = [];
  readonly #consumers: Consumer[] = [];
  readonly #subscribers: Array<{
    readonly pattern: string;
    readonly handler: (n: StateNotification) => void;
    active: boolean;
  }> = [];
  readonly #requests = new Map<string, PendingRequest>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #replyTo = `memory-reply.${randomUUID()}`;
  #next = 0;
  #dispatchScheduled = false;
  #closed = false;

  async start(): Promise<void> {
    this.#closed = false;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const consumer of this.#consumers) consumer.active = false;
    for (const subscriber of this.#subscribers) subscriber.active = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async publish(body: Buffer, options: PublishOptions = {}): Promise<void> {
    this.#open();
    this.#enqueue({
      body: Buffer.from(body),
      routingKey: options.routingKey ?? 'event',
      headers: { ...options.headers },
      ...(options.replyTo !== undefined && { replyTo: options.replyTo }),
      ...(options.correlationId !== undefined && { correlationId: options.correlationId }),
      ...(options.messageId !== undefined && { messageId: options.messageId }),
      attempts: 0,
      redelivered: false,
    });
  }

  async consume(handler: (delivery: Delivery) => void, options: ConsumeOptions = {}): Promise<Subscription> {
    this.#open();
    const consumer: Consumer = { handler, prefetch: options.prefetch ?? 50, unsettled: 0, active: true };
    this.#consumers.push(consumer);
    this.#schedule();
    return {
      stop: async () => {
        consumer.active = false;
        this.#consumers.splice(this.#consumers.indexOf(consumer), 1);
      },
    };
  }

  async publishState(notification: StateNotification): Promise<void> {
    this.#open();
    const key = `${notification.pipeline}.${notification.state}`;
    const copy = JSON.stringify(notification);
    for (const subscriber of this.#subscribers) {
      if (!topicMatches(subscriber.pattern, key)) continue;
      setImmediate(() => {
        if (subscriber.active) subscriber.handler(JSON.parse(copy) as StateNotification);
      });
    }
  }

  async subscribeState(pattern: string, handler: (notification: StateNotification) => void): Promise<Subscription> {
    this.#open();
    const subscriber = { pattern, handler, active: true };
    this.#subscribers.push(subscriber);
    return {
      stop: async () => {
        subscriber.active = false;
        this.#subscribers.splice(this.#subscribers.indexOf(subscriber), 1);
      },
    };
  }

  async reply(replyTo: string, correlationId: string, body: unknown): Promise<void> {
    this.#open();
    const pending = replyTo === this.#replyTo ? this.#requests.get(correlationId) : undefined;
    const copy = JSON.stringify(body);
    setImmediate(() => pending?.resolve(JSON.parse(copy)));
  }

  async request(body: Buffer, options: RequestOptions): Promise<unknown> {
    const correlationId = randomUUID();
    return new Promise<unknown>((resolve, reject) => {
      const end = (why: string): void => {
        this.#forget(correlationId, timer);
        reject(new RequestTimeoutError(`request ${why} without a reply`, true));
      };
      const timer = setTimeout(() => end(`timed out after ${options.timeoutMs} ms`), options.timeoutMs);
      this.#timers.add(timer);
      this.#requests.set(correlationId, {
        resolve: (answer) => {
          this.#forget(correlationId, timer);
          resolve(answer);
        },
      });
      this.publish(body, { ...options, replyTo: this.#replyTo, correlationId }).then(
        () => {
          if (options.signal?.aborted === true) end('abandoned');
          else options.signal?.addEventListener('abort', () => end('abandoned'), { once: true });
        },
        (err: Error) => {
          this.#forget(correlationId, timer);
          reject(err);
        },
      );
    });
  }

  async drainDeadLetters(max: number, keep?: (letters: readonly DeadLetter[]) => Promise<void>): Promise<DeadLetter[]> {
    const letters = this.#dead.slice(0, max);
    if (keep !== undefined && letters.length > 0) await keep(letters);
    for (const letter of letters) this.#dead.splice(this.#dead.indexOf(letter), 1);
    return letters;
  }

  async isHealthy(): Promise<boolean> {
    return !this.#closed;
  }

  #open(): void {
    if (this.#closed) throw new Error('the memory event bus is closed');
  }

  #forget(correlationId: string, timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.#timers.delete(timer);
    this.#requests.delete(correlationId);
  }

  #enqueue(message: Message, atFront = false): void {
    if (atFront) this.#queue.unshift(message);
    else this.#queue.push(message);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    setImmediate(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  /** Hands queued messages to consumers with room under their prefetch, round robin. */
  #dispatch(): void {
    while (!this.#closed && this.#queue.length > 0) {
      const consumer = this.#nextConsumer();
      const message = consumer === undefined ? undefined : this.#queue.shift();
      if (consumer === undefined || message === undefined) return;
      consumer.unsettled++;
      consumer.handler(this.#delivery(message, consumer));
    }
  }

  #nextConsumer(): Consumer | undefined {
    for (let i = 0; i < this.#consumers.length; i++) {
      const consumer = this.#consumers[(this.#next + i) % this.#consumers.length];
      if (consumer !== undefined && consumer.active && consumer.unsettled < consumer.prefetch) {
        this.#next = (this.#next + i + 1) % this.#consumers.length;
        return consumer;
      }
    }
    return undefined;
  }

  /** A delivery that settles once; after the bus closed, settling does nothing. */
  #delivery(message: Message, consumer: Consumer): Delivery {
    let settled = false;
    const settle = (effect: () => void): Promise<void> => {
      if (settled || this.#closed) return Promise.resolve();
      settled = true;
      consumer.unsettled--;
      effect();
      this.#schedule();
      return Promise.resolve();
    };
    return {
      ...message,
      ack: () => settle(() => {}),
      retryLater: (delayMs: number) =>
        settle(() => {
          const timer = setTimeout(() => {
            this.#timers.delete(timer);
            this.#enqueue({ ...message, attempts: message.attempts + 1, redelivered: false });
          }, delayMs);
          this.#timers.add(timer);
        }),
      deadLetter: (reason: DeadLetterReason, stored?: Buffer) =>
        settle(() => {
          this.#dead.push({
            id: randomUUID(),
            deadAt: new Date().toISOString(),
            ...(message.messageId !== undefined && { messageId: message.messageId }),
            body: Buffer.from(stored ?? message.body),
            routingKey: message.routingKey,
            headers: message.headers,
            reason: { code: reason.code, message: reason.message, token: reason.token ?? 'unchecked' },
            attempts: message.attempts,
          });
        }),
      requeue: () => settle(() => this.#enqueue({ ...message, redelivered: true }, true)),
    };
  }
}
