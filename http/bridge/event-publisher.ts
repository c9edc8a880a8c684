import { PipelineJobsError } from '../../errors/index.js';
import { RequestTimeoutError, type EventBus, type RequestOptions } from '../../ports/event-bus.js';
import { publishHeaders } from '../../protocol/amqp-names.js';
import { encodeEventMessage } from '../../protocol/event-message.js';
import type { ManagerReply } from '../../protocol/manager-reply.js';
import type { EventMessage } from '../../schemas/index.js';

/** The fate of a published event, as far as the bridge knows it. */
export type Verdict =
  /** Confirmed by the bus; nobody waited for the manager. */
  | { readonly status: 'accepted' }
  /** Confirmed by the bus, but the manager gave no verdict within the wait. */
  | { readonly status: 'pending' }
  | { readonly status: 'decided'; readonly reply: ManagerReply };

/** Seconds a caller is asked to wait before retrying when the bus is down. */
export const BUS_RETRY_AFTER_SECONDS = 5;

/** How long a publish may wait for a broker reconnection before the caller is answered 503. */
const PUBLISH_UNAVAILABLE_AFTER_MS = 2000;

function busUnavailable(err: unknown): PipelineJobsError {
  return new PipelineJobsError(
    'bus_unavailable',
    'the event bus did not take the event; nothing was accepted, retry later',
    {
      retryAfterSeconds: BUS_RETRY_AFTER_SECONDS,
      cause: err instanceof Error ? err.message : String(err),
    },
  );
}

/**
 * Puts the bridge's events on the bus with publisher confirms and, when asked, waits (bounded)
 * for the manager's verdict. Only a confirmed event is ever reported as accepted: anything else
 * is `bus_unavailable`, so a caller never mistakes a lost event for a delivered one.
 */
export class EventPublisher {
  readonly #bus: EventBus;
  readonly #waitTimeoutMs: number;
  /** One per call waiting for a verdict; all aborted by {@link stopWaiting}. */
  readonly #waits = new Set<AbortController>();
  #stopped = false;

  constructor(bus: EventBus, waitTimeoutMs: number) {
    this.#bus = bus;
    this.#waitTimeoutMs = waitTimeoutMs;
  }

  /** How long {@link ask} waits for an answer. */
  get waitTimeoutMs(): number {
    return this.#waitTimeoutMs;
  }

  /**
   * Ends every wait for a verdict, now and later: on shutdown a `?wait=1` caller gets its 202
   * `pending` as soon as the bus has confirmed the event, instead of holding the server open.
   */
  stopWaiting(): void {
    this.#stopped = true;
    for (const wait of this.#waits) wait.abort();
  }

  /** Publishes `message` (whose `id` is its idempotency key); with `wait`, returns the manager's verdict. */
  async send(message: EventMessage & { readonly id: string }, wait: boolean): Promise<Verdict> {
    const body = encodeEventMessage(message);
    const options = {
      messageId: message.id,
      headers: publishHeaders(),
      unavailableAfterMs: PUBLISH_UNAVAILABLE_AFTER_MS,
    };
    if (!wait) {
      try {
        await this.#bus.publish(body, options);
      } catch (err) {
        throw busUnavailable(err);
      }
      return { status: 'accepted' };
    }
    const answer = await this.ask(body, options);
    return answer.status === 'pending' ? answer : { status: 'decided', reply: answer.reply as ManagerReply };
  }

  /**
   * Publishes a request to the manager (an event, or a claim request on its own routing key) and
   * waits, bounded, for its answer: the answer as JSON, or `pending` when the bus took the request
   * but no answer came in time. Throws `bus_unavailable` when the bus did not take it.
   */
  async ask(
    body: Buffer,
    options: Omit<RequestOptions, 'timeoutMs' | 'signal'>,
  ): Promise<{ readonly status: 'pending' } | { readonly status: 'answered'; readonly reply: unknown }> {
    const waiting = new AbortController();
    if (this.#stopped) waiting.abort();
    this.#waits.add(waiting);
    try {
      const reply = await this.#bus.request(body, {
        unavailableAfterMs: PUBLISH_UNAVAILABLE_AFTER_MS,
        headers: publishHeaders(),
        ...options,
        timeoutMs: this.#waitTimeoutMs,
        signal: waiting.signal,
      });
      return { status: 'answered', reply };
    } catch (err) {
      if (err instanceof RequestTimeoutError && err.published) return { status: 'pending' };
      throw busUnavailable(err);
    } finally {
      this.#waits.delete(waiting);
    }
  }
}
