import { connect, type ChannelModel, type ConsumeMessage, type RecoveringChannelModel } from 'amqplib';
import { busUnavailable } from '../../../errors/index.js';
import { redactUrl } from '../../../protocol/redact-url.js';
import { AmqpSession, type BusLogger } from './amqp-session.js';
import type { AmqpNames } from './amqp-topology.js';

/** How long an operation waits for a lost connection to come back before it fails. */
const UNAVAILABLE_AFTER_MS = 10_000;

/** Something bound to a session (a consumer, a subscription) that must be rebuilt on every new one. */
export interface Restorable {
  /** Builds it on `session`; returns the same promise when asked twice for one session. */
  restore(session: AmqpSession): Promise<void>;
  /** True when it was built on `session` (finished or not). */
  isOn(session: AmqpSession): boolean;
}

/** Options of {@link AmqpConnection}. */
export interface AmqpConnectionOptions {
  readonly url: string;
  readonly names: AmqpNames;
  readonly connectionName: string;
  readonly logger: BusLogger;
  readonly initialMs: number;
  readonly maxMs: number;
  /** Filled with the delay of every retry queue declared, for cleanup. */
  readonly retryDelays: Set<number>;
  onReply(message: ConsumeMessage): void;
  onSessionLost(session: AmqpSession): void;
}

/**
 * The connection to RabbitMQ and its reconnection. amqplib's recovering connection supplies the
 * retry loop (here with full-jitter exponential backoff); its `setup` hook builds a new
 * {@link AmqpSession} and restores every registered {@link Restorable} before the connection
 * counts as up, so a failure anywhere in that chain simply schedules the next attempt.
 */
export class AmqpConnection {
  readonly #options: AmqpConnectionOptions;
  readonly #restorables = new Set<Restorable>();
  #waiters: Array<{ resolve: (session: AmqpSession) => void; reject: (err: Error) => void }> = [];
  #recovering: RecoveringChannelModel | undefined;
  #live: AmqpSession | undefined;
  #lostAt: number | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #starting: Promise<void> | undefined;

  constructor(options: AmqpConnectionOptions) {
    this.#options = options;
  }

  /** Connects once; fails fast (no retries) when the broker cannot be reached at start. */
  start(): Promise<void> {
    this.#starting ??= this.#start().catch((err: unknown) => {
      this.#starting = undefined;
      throw err;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const { initialMs, maxMs, logger } = this.#options;
    const recovering = await connect(this.#options.url, {
      clientProperties: { connection_name: this.#options.connectionName },
      timeout: UNAVAILABLE_AFTER_MS,
      // Acks, confirms and notifications are small frames: Nagle's algorithm would hold each one
      // back until the previous is acknowledged (amqplib leaves it on by default).
      noDelay: true,
      recovery: {
        initialMaxRetries: 0,
        waitForConnect: false,
        calculateDelay: (attempt: number) => Math.random() * Math.min(maxMs, initialMs * 2 ** (attempt - 1)),
        setup: (model: ChannelModel) => this.#setup(model),
      },
    });
    this.#recovering = recovering;
    recovering.on('error', () => {
      // Logged by the session; without a listener EventEmitter would throw.
    });
    recovering.on('disconnect', (err: Error) => {
      this.#lostAt = Date.now();
      if (!this.#closed) logger.warn({ err }, 'event bus connection lost; reconnecting');
    });
    recovering.on('connect-failed', (err: Error) => {
      if (this.#lostAt !== undefined) logger.warn({ err }, 'event bus reconnection attempt failed');
    });
    recovering.on('blocked', (reason: string) =>
      logger.warn({ reason }, 'event bus connection blocked by the broker; publishes wait'),
    );
    recovering.on('unblocked', () => logger.info({}, 'event bus connection unblocked'));
    recovering.on('connect', () => {
      if (this.#lostAt === undefined) return;
      logger.info({ outageMs: Date.now() - this.#lostAt }, 'event bus reconnected; consumers restored');
      this.#lostAt = undefined;
    });
    try {
      await recovering.waitForConnect();
    } catch (err) {
      this.#recovering = undefined;
      await recovering.close();
      throw busUnavailable(
        `event bus unavailable: cannot connect to ${redactUrl(this.#options.url)}: ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
    }
  }

  async #setup(model: ChannelModel): Promise<void> {
    const session = await AmqpSession.open(model, this.#options.names, {
      logger: this.#options.logger,
      retryDelays: this.#options.retryDelays,
      onReply: (message) => this.#options.onReply(message),
      onBroken: (broken) => {
        if (this.#live === broken) this.#live = undefined;
        this.#options.onSessionLost(broken);
      },
    });
    // Registered while this loop runs counts too: nothing may be left behind when the session goes live.
    for (let pending = this.#missing(session); pending.length > 0; pending = this.#missing(session)) {
      await Promise.all(pending.map((r) => r.restore(session)));
    }
    if (!session.usable) throw new Error('connection lost during setup');
    this.#live = session;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(session);
  }

  #missing(session: AmqpSession): Restorable[] {
    return [...this.#restorables].filter((r) => !r.isOn(session));
  }

  /** The live session, if connected. */
  current(): AmqpSession | undefined {
    return this.#live?.usable === true ? this.#live : undefined;
  }

  /** The live session, waiting until `deadline` (epoch ms) for a reconnection. */
  #session(deadline: number): Promise<AmqpSession> {
    if (this.#closed) return Promise.reject(busUnavailable('event bus unavailable: the bus is closed'));
    if (this.#recovering === undefined)
      return Promise.reject(busUnavailable('event bus unavailable: the bus is not started'));
    const live = this.current();
    if (live !== undefined) return Promise.resolve(live);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(busUnavailable('event bus unavailable: not reconnected in time'));
        },
        Math.max(0, deadline - Date.now()),
      );
      const waiter = {
        resolve: (session: AmqpSession) => {
          clearTimeout(timer);
          resolve(session);
        },
        reject: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /**
   * Runs `operation` on the live session; when it fails because the session broke under it,
   * runs it again on the next session, until `waitMs` (default {@link UNAVAILABLE_AFTER_MS}) has
   * passed.
   */
  async withSession<T>(operation: (session: AmqpSession) => Promise<T>, waitMs = UNAVAILABLE_AFTER_MS): Promise<T> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const session = await this.#session(deadline);
      try {
        return await operation(session);
      } catch (err) {
        if (this.#closed) throw busUnavailable('event bus unavailable: the bus is closed', err);
        if (session.usable) throw err;
      }
    }
  }

  /** Registers `restorable` to be rebuilt on every new session. */
  add(restorable: Restorable): void {
    this.#restorables.add(restorable);
  }

  /** Stops rebuilding `restorable`. */
  remove(restorable: Restorable): void {
    this.#restorables.delete(restorable);
  }

  /** Closes the connection for good; later calls wait for the same close. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      for (const waiter of this.#waiters.splice(0))
        waiter.reject(busUnavailable('event bus unavailable: the bus is closed'));
      await this.#recovering?.close();
      this.#live = undefined;
    })();
    return this.#closing;
  }
}
