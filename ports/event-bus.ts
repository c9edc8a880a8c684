import type { StateNotification } from '../protocol/state-notification.js';

/**
 * {@link EventBus.request} saw no reply within its timeout. `published` tells whether the bus had
 * confirmed the request by then: if so the consumer will still get it; if not, it was not sent.
 */
export class RequestTimeoutError extends Error {
  constructor(
    message: string,
    readonly published: boolean,
  ) {
    super(message);
    this.name = 'RequestTimeoutError';
  }
}

/**
 * What the consumer knew of a refused message's job token. The token itself is never kept in a
 * dead letter; this is what a replay can go on instead (see docs/local-event-bus.md).
 */
export type TokenCheck =
  /** The message carried a token good for its job; it was refused for another reason. */
  | 'verified'
  /** The token was missing, invalid or expired: the reason code says which. */
  | 'refused'
  /** Not checked: the message failed before the check, or needed no token. */
  | 'unchecked';

/** Why a message was dead-lettered: a stable error code, a human-readable message, and what was known of its token. */
export interface DeadLetterReason {
  readonly code: string;
  readonly message: string;
  /** Default `unchecked`; always present on a {@link DeadLetter} read back. */
  readonly token?: TokenCheck;
}

/** Header values the bus carries (AMQP table subset). */
export type HeaderValue = string | number | boolean;

/**
 * A message taken from the events queue. The consumer settles it exactly once, with one of
 * `ack`, `retryLater`, `deadLetter` or `requeue`; until then the bus keeps it and hands it out
 * again if the consumer goes away.
 */
export interface Delivery {
  readonly body: Buffer;
  readonly routingKey: string;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  readonly replyTo?: string;
  readonly correlationId?: string;
  readonly messageId?: string;
  /**
   * The publisher's user as the broker vouched for it (AMQP `user_id`, which RabbitMQ checks against
   * the publishing connection's login); absent when the publisher did not set it.
   */
  readonly userId?: string;
  /** How many times the message went through `retryLater` (0 on its first pass). */
  readonly attempts: number;
  /** True when the bus handed this message out before without it being settled. */
  readonly redelivered: boolean;
  /** Done (call only after the effect is committed): the message is removed. */
  ack(): Promise<void>;
  /** Not yet: the message comes back after `delayMs` with `attempts + 1`. */
  retryLater(delayMs: number): Promise<void>;
  /**
   * Never: the message moves to the dead-letter queue with `reason`. With `stored`, the dead
   * letter keeps that body instead of the message's own (the manager passes the message without
   * its token).
   */
  deadLetter(reason: DeadLetterReason, stored?: Buffer): Promise<void>;
  /** Could not handle it now (shutting down, transient failure): hand it out again. */
  requeue(): Promise<void>;
}

/** A dead-lettered message as read back from the dead-letter queue. */
export interface DeadLetter {
  /**
   * Given by the bus when the message was dead-lettered and kept with it: the same on every read
   * of this dead letter (so keeping it is idempotent), different for each dead-lettering.
   */
  readonly id: string;
  /** ISO-8601 time the message was dead-lettered. */
  readonly deadAt: string;
  readonly body: Buffer;
  readonly routingKey: string;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /** The message id it was published with, if any (part of its event identity). */
  readonly messageId?: string;
  readonly reason: Required<DeadLetterReason>;
  readonly attempts: number;
}

/** Options of {@link EventBus.publish}. */
export interface PublishOptions {
  /** Default `event`. Consumers of the events queue receive every routing key. */
  readonly routingKey?: string;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
  readonly replyTo?: string;
  readonly correlationId?: string;
  readonly messageId?: string;
  /**
   * Longest wait for an unreachable broker before the publish fails (adapter default otherwise).
   * Callers that answer someone (the HTTP bridge) keep it short; in-process buses ignore it.
   */
  readonly unavailableAfterMs?: number;
}

/** Options of {@link EventBus.request}. */
export interface RequestOptions extends PublishOptions {
  /** Longest wait for the reply. */
  readonly timeoutMs: number;
  /**
   * Ends the wait early (a server shutting down): the request then rejects with
   * {@link RequestTimeoutError} (`published: true`) as soon as the bus has confirmed the publish, at
   * once if it already has, or with the publish error if the publish fails. It never withdraws the
   * message.
   */
  readonly signal?: AbortSignal;
}

export type { StateNotification };

/** A running consumer or subscription. */
export interface Subscription {
  /** Stops delivering; resolves once no new message will be handed to the handler. */
  stop(): Promise<void>;
}

/** Options of {@link EventBus.consume}. */
export interface ConsumeOptions {
  /** Most unsettled deliveries handed out at once (default 50). */
  readonly prefetch?: number;
}

/**
 * The event bus: the events queue the manager consumes, a dead-letter queue, delayed retries,
 * state notifications and request/reply. Adapters: AMQP (RabbitMQ) and local (embedded).
 * Every adapter passes `test/contract/event-bus.contract.ts`. No driver type crosses this
 * interface.
 *
 * Semantics: at-least-once delivery; a message stays on the bus until settled; messages
 * published by one publisher are delivered in publish order (retries excepted); a dead letter
 * keeps the original body (or the form its consumer chose), routing key and headers plus the reason.
 */
export interface EventBus {
  /** Connects and declares the topology. */
  start(): Promise<void>;
  /** Stops consumers and closes connections. */
  close(): Promise<void>;
  /** Publishes an event; resolves once the bus holds it durably (publisher confirm). */
  publish(body: Buffer, options?: PublishOptions): Promise<void>;
  /** Hands messages of the events queue to `handler`, at most `prefetch` unsettled at once. */
  consume(handler: (delivery: Delivery) => void, options?: ConsumeOptions): Promise<Subscription>;
  /** Publishes a state notification (fire and forget for listeners; confirmed by the bus). */
  publishState(notification: StateNotification): Promise<void>;
  /** Receives state notifications whose routing key matches the topic `pattern` (`*`, `#`). */
  subscribeState(pattern: string, handler: (notification: StateNotification) => void): Promise<Subscription>;
  /** Sends `body` (JSON) to the requester that published with `replyTo`/`correlationId`. */
  reply(replyTo: string, correlationId: string, body: unknown): Promise<void>;
  /**
   * Publishes an event and waits for the consumer's reply (JSON). Rejects with
   * {@link RequestTimeoutError} after `timeoutMs` or once `signal` aborts, or with the publish
   * error if it cannot be sent.
   */
  request(body: Buffer, options: RequestOptions): Promise<unknown>;
  /**
   * Removes and returns up to `max` dead letters, oldest first. With `keep`, the letters are
   * removed only once `keep` resolves (the caller has recorded them); if it rejects, they stay
   * on the dead-letter queue and the error is thrown on. A letter may be handed to `keep` more
   * than once (a crash between keep and removal, two drains at once): keep by {@link DeadLetter.id}.
   */
  drainDeadLetters(max: number, keep?: (letters: readonly DeadLetter[]) => Promise<void>): Promise<DeadLetter[]>;
  /** True when the bus is connected and usable. */
  isHealthy(): Promise<boolean>;
}
