import { randomUUID } from 'node:crypto';
import type { Delivery } from '../../../ports/event-bus.js';
import { localDelivery } from './local-delivery.js';
import type { LeaseRef, LeasedMessage, LocalQueue, Settlement } from './local-queue.js';
import type { WriteBatcher } from '../../sqlite/write-batcher.js';

/** What a {@link LocalConsumer} needs from the bus that owns it. */
export interface ConsumerHost {
  readonly queue: LocalQueue;
  readonly writes: WriteBatcher;
  readonly leaseMs: number;
  readonly pollMs: number;
  isClosed(): boolean;
  /** Called once a stopped consumer holds no lease any more. */
  retire(consumer: LocalConsumer): void;
}

/**
 * One `consume` call: leases the oldest available messages in one transaction, up to the room
 * `prefetch` leaves, and hands them to the handler in publish order. It looks again when woken
 * (a publish in this process, a settlement) and every `pollMs` (publishes of other processes,
 * retries coming due, leases of dead processes running out).
 */
export class LocalConsumer {
  readonly #owner = randomUUID();
  readonly #host: ConsumerHost;
  readonly #handler: (delivery: Delivery) => void;
  readonly #prefetch: number;
  readonly #held = new Set<LeaseRef>();
  /** Room promised to publishes of this process whose message is being written leased to this consumer. */
  #reserved = 0;
  readonly #poll: NodeJS.Timeout;
  #pump: NodeJS.Immediate | undefined;
  #stopped = false;

  constructor(host: ConsumerHost, handler: (delivery: Delivery) => void, prefetch: number) {
    this.#host = host;
    this.#handler = handler;
    this.#prefetch = prefetch;
    this.#poll = setInterval(() => this.wake(), host.pollMs);
    this.wake();
  }

  /** The handouts given to the handler and not settled yet. */
  get held(): ReadonlySet<LeaseRef> {
    return this.#held;
  }

  /** Who the consumer's leases name. */
  get owner(): string {
    return this.#owner;
  }

  /**
   * Promises room for one message a publish of this process will write already leased to this
   * consumer; false when the consumer is stopped or full. Each promise ends in {@link handOver}
   * or, when the write failed, {@link unreserve}.
   */
  reserve(): boolean {
    if (this.#stopped || this.#host.isClosed() || this.#room() <= 0) return false;
    this.#reserved++;
    return true;
  }

  /** Gives back room promised by {@link reserve} to a write that did not commit. */
  unreserve(): void {
    this.#reserved--;
  }

  /** Delivers a message written leased to this consumer (after {@link reserve}), as a lease would have. */
  handOver(message: LeasedMessage): void {
    this.#reserved--;
    const ref = { seq: message.seq, owner: this.#owner, delivered: message.delivered };
    this.#held.add(ref);
    this.#deliver(message, ref);
  }

  /** Looks for messages on the next turn of the event loop (coalesced). */
  wake(): void {
    if (this.#stopped || this.#host.isClosed()) return;
    this.#pump ??= setImmediate(() => this.#fill());
  }

  /** Leases nothing more; handouts already given can still be settled. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#poll);
    if (this.#pump !== undefined) clearImmediate(this.#pump);
    this.#pump = undefined;
    if (this.#held.size === 0) this.#host.retire(this);
  }

  #fill(): void {
    this.#pump = undefined;
    const room = this.#room();
    if (this.#stopped || this.#host.isClosed() || room <= 0) return;
    const { queue, leaseMs } = this.#host;
    const now = Date.now();
    let messages: LeasedMessage[];
    try {
      if (!queue.hasAvailable(now)) return;
      messages = queue.lease(this.#owner, room, now, leaseMs);
    } catch (error) {
      // Typically another process held the write lock past the busy timeout: the next poll retries.
      process.emitWarning(error instanceof Error ? error : String(error), { code: 'PJM_LOCAL_BUS_LEASE' });
      return;
    }
    // All held before any handler runs, so a handler that closes the bus mid-batch releases them all.
    const leased = messages.map((message) => ({
      message,
      ref: { seq: message.seq, owner: this.#owner, delivered: message.delivered },
    }));
    for (const { ref } of leased) this.#held.add(ref);
    for (const { message, ref } of leased) this.#deliver(message, ref);
  }

  #room(): number {
    return this.#prefetch - this.#held.size - this.#reserved;
  }

  #deliver(message: LeasedMessage, ref: LeaseRef): void {
    if (this.#stopped || this.#host.isClosed()) {
      // The handler stopped this consumer mid-batch, or it stopped before a handover: what it
      // will never see goes back now (after close, the lease given back or running out does it).
      void this.#settle(ref, { kind: 'requeue' }).catch(() => undefined);
      return;
    }
    try {
      this.#handler(localDelivery(message, (settlement) => this.#settle(ref, settlement)));
    } catch (error) {
      // Like an EventEmitter listener: a throwing handler is a bug and must not pass silently.
      process.nextTick(() => {
        throw error;
      });
    }
  }

  #settle(ref: LeaseRef, settlement: Settlement): Promise<void> {
    // After close the lease was given back, so there is nothing left to settle.
    if (this.#host.isClosed()) return Promise.resolve();
    const { queue, writes } = this.#host;
    return writes
      .enqueue(() => void queue.settle(ref, settlement))
      .then(() => {
        this.#held.delete(ref);
        if (!this.#stopped) this.wake();
        else if (this.#held.size === 0) this.#host.retire(this);
      });
  }
}
