import type { ConsumeMessage } from 'amqplib';
import { RequestTimeoutError } from '../../../ports/event-bus.js';
import { busUnavailable } from '../../../errors/index.js';
import type { AmqpSession } from './amqp-session.js';

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  readonly timer: NodeJS.Timeout;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
  /** The session whose channel published the request: the only one its reply can reach. */
  session?: AmqpSession;
  /** The caller stopped waiting before the broker confirmed the publish. */
  abandoned?: boolean;
}

/** Requests waiting for their direct reply-to answer, by correlation id. */
export class PendingRequests {
  readonly #pending = new Map<string, Pending>();

  /**
   * Starts waiting for the reply to `correlationId`; rejects after `timeoutMs`, or once `signal`
   * aborts and the publish is confirmed (see `RequestOptions.signal`).
   */
  expect(correlationId: string, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => this.#timeOut(correlationId, `timed out after ${timeoutMs} ms`), timeoutMs);
      const onAbort = (): void => {
        const pending = this.#pending.get(correlationId);
        if (pending === undefined) return;
        if (pending.session !== undefined) this.#timeOut(correlationId, 'abandoned');
        else pending.abandoned = true;
      };
      this.#pending.set(correlationId, { resolve, reject, timer, signal, onAbort, abandoned: signal?.aborted === true });
      if (signal?.aborted === false) signal.addEventListener('abort', onAbort, { once: true });
    });
    return reply;
  }

  /** Records that the request went out on `session` (confirmed by the broker). */
  publishedOn(correlationId: string, session: AmqpSession): void {
    const pending = this.#pending.get(correlationId);
    if (pending === undefined) return;
    pending.session = session;
    if (pending.abandoned === true) this.#timeOut(correlationId, 'abandoned');
    else if (!session.usable) this.onSessionLost(session);
  }

  #timeOut(correlationId: string, why: string): void {
    const pending = this.#pending.get(correlationId);
    if (pending === undefined) return;
    this.#forget(correlationId, pending);
    pending.reject(new RequestTimeoutError(`event bus request ${why} without a reply`, pending.session !== undefined));
  }

  /** Fails the request with `err` (it could not be published), unless it is already settled. */
  fail(correlationId: string, err: unknown): void {
    const pending = this.#pending.get(correlationId);
    if (pending === undefined) return;
    this.#forget(correlationId, pending);
    pending.reject(err instanceof Error ? err : new Error('event bus request failed', { cause: err }));
  }

  #forget(correlationId: string, pending: Pending): void {
    clearTimeout(pending.timer);
    pending.signal?.removeEventListener('abort', pending.onAbort);
    this.#pending.delete(correlationId);
  }

  /** Settles the request a reply answers; replies nobody waits for (timed out) are dropped. */
  onReply(message: ConsumeMessage): void {
    const id: unknown = message.properties.correlationId;
    if (typeof id !== 'string') return;
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#forget(id, pending);
    try {
      pending.resolve(JSON.parse(message.content.toString('utf8')));
    } catch (err) {
      pending.reject(new Error('event bus request: the reply is not JSON', { cause: err }));
    }
  }

  /** Fails the requests published on `session`: their replies can no longer arrive. */
  onSessionLost(session: AmqpSession): void {
    for (const [id, pending] of this.#pending) {
      if (pending.session !== session) continue;
      this.#forget(id, pending);
      pending.reject(busUnavailable('event bus unavailable: connection lost while waiting for the reply'));
    }
  }

  /** Fails every request (the bus is closing). */
  rejectAll(err: Error): void {
    for (const [id, pending] of this.#pending) {
      this.#forget(id, pending);
      pending.reject(err);
    }
  }
}
