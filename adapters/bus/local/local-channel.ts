import { stateRoutingKey, type StateNotification } from '../../../protocol/state-notification.js';
import { topicMatches } from './topic-matches.js';

interface StateListener {
  readonly pattern: string;
  readonly handler: (notification: StateNotification) => void;
  active: boolean;
}

/**
 * Where the `LocalEventBus` instances of this process that share one queue file meet: a
 * publish wakes their consumers at once (other processes notice by polling), and a state
 * notification reaches their subscribers. Nothing here is durable or crosses a process.
 */
export class LocalChannel {
  static readonly #channels = new Map<string, LocalChannel>();
  static readonly #replyTargets = new Map<string, (correlationId: string, body: unknown) => void>();

  readonly #key: string;
  readonly #wakers = new Set<() => void>();
  readonly #listeners = new Set<StateListener>();
  #members = 0;

  private constructor(key: string) {
    this.#key = key;
  }

  /** The channel of `key` (an absolute file path, or an instance id for `:memory:`), joined. */
  static join(key: string): LocalChannel {
    let channel = LocalChannel.#channels.get(key);
    if (channel === undefined) {
      channel = new LocalChannel(key);
      LocalChannel.#channels.set(key, channel);
    }
    channel.#members += 1;
    return channel;
  }

  /** Makes `address` deliver replies to `target` until {@link dropReplyAddress}. */
  static listenForReplies(address: string, target: (correlationId: string, body: unknown) => void): void {
    LocalChannel.#replyTargets.set(address, target);
  }

  static dropReplyAddress(address: string): void {
    LocalChannel.#replyTargets.delete(address);
  }

  /** Hands `body` to the requester listening on `address`, if it lives in this process. */
  static deliverReply(address: string, correlationId: string, body: unknown): void {
    LocalChannel.#replyTargets.get(address)?.(correlationId, body);
  }

  leave(): void {
    this.#members -= 1;
    if (this.#members === 0) LocalChannel.#channels.delete(this.#key);
  }

  onPublish(waker: () => void): () => void {
    this.#wakers.add(waker);
    return () => this.#wakers.delete(waker);
  }

  published(): void {
    for (const wake of this.#wakers) wake();
  }

  /** Adds a state listener; the returned function removes it, after which it is never called. */
  subscribe(pattern: string, handler: (notification: StateNotification) => void): () => void {
    const listener: StateListener = { pattern, handler, active: true };
    this.#listeners.add(listener);
    return () => {
      listener.active = false;
      this.#listeners.delete(listener);
    };
  }

  /**
   * Calls matching listeners on a later microtask, in publish order, each with its own copy
   * (as each AMQP subscriber decodes its own). A listener that throws does so as an uncaught
   * exception, as an EventEmitter listener would: a bug there must not pass silently.
   */
  notify(notification: StateNotification): void {
    const key = stateRoutingKey(notification);
    const json = JSON.stringify(notification);
    const matching = [...this.#listeners].filter((listener) => topicMatches(listener.pattern, key));
    for (const listener of matching) {
      queueMicrotask(() => {
        if (listener.active) listener.handler(JSON.parse(json) as StateNotification);
      });
    }
  }
}
