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
    const room = this.#prefetch - this.#held.size;
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
    for (const { message, ref } of leased) {
      if (this.#stopped) {
        // The handler stopped this consumer mid-batch: what it will never see goes back now.
        void this.#settle(ref, { kind: 'requeue' }).catch(() => undefined);
        continue;
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
