import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { Manager, type ManagerOptions } from '../../actors/manager.js';
import { ManagerMetrics } from '../../actors/manager-metrics.js';
import { AmqpEventBus } from '../../adapters/bus/amqp/amqp-event-bus.js';
import { LocalEventBus } from '../../adapters/bus/local/local-event-bus.js';
import { MongoJobStore } from '../../adapters/store/mongo/mongo-job-store.js';
import { SqliteJobStore } from '../../adapters/store/sqlite/sqlite-job-store.js';
import { JobTokens } from '../../model/job-tokens.js';
import type { EventBus } from '../../ports/event-bus.js';
import type { JobStore } from '../../ports/job-store.js';
import { silentLogger } from '../../ports/logger.js';
import type { EventMessage } from '../../schemas/types.js';
import { uniqueName } from './services.js';

/** Which real adapters a rig wires together. */
export interface RigKind {
  readonly bus: { readonly amqp: string } | 'local';
  readonly store: { readonly mongo: string } | 'sqlite';
}

/** Fast retries for tests: an early event comes back within milliseconds, ten times (about 16 s in all). */
export const TEST_DEFER_DELAYS_MS = [20, 50, 100, 200, 400, 800, 1600, 3200, 5000, 5000];

/** The test secret every rig signs tokens with. */
export const TEST_SECRET = 'integration-test-secret-0123456789';

/**
 * Real adapters on throwaway names (AMQP prefix, SQLite dir, Mongo database): a publisher bus, a
 * store to inspect, and managers started on their own bus connections and store handles, like
 * separate processes.
 */
export class ManagerRig {
  readonly kind: RigKind;
  readonly tokens = new JobTokens(TEST_SECRET);
  readonly prefix = uniqueName('pjmtest');
  readonly dir = mkdtempSync(join(tmpdir(), 'pjm-rig-'));
  readonly database = uniqueName('pjm_rig');
  readonly #closers: Array<() => Promise<void>> = [];
  #publisher: EventBus | undefined;
  #store: JobStore | undefined;

  constructor(kind: RigKind) {
    this.kind = kind;
  }

  /** A new, started bus on the rig's queues. */
  async openBus(): Promise<EventBus> {
    const bus =
      this.kind.bus === 'local'
        ? new LocalEventBus({ path: join(this.dir, 'bus.db') })
        : new AmqpEventBus({ url: this.kind.bus.amqp, prefix: this.prefix });
    await bus.start();
    this.#closers.push(() => bus.close());
    return bus;
  }

  /** A new, initialised handle on the rig's store. */
  async openStore(): Promise<JobStore> {
    const store =
      this.kind.store === 'sqlite'
        ? new SqliteJobStore({ path: join(this.dir, 'jobs.db') })
        : new MongoJobStore({ url: this.kind.store.mongo, database: this.database });
    await store.init();
    this.#closers.push(() => store.close());
    return store;
  }

  /** The rig's publisher bus (opened once). */
  async publisher(): Promise<EventBus> {
    this.#publisher ??= await this.openBus();
    return this.#publisher;
  }

  /** The rig's store for inspection (opened once). */
  async store(): Promise<JobStore> {
    this.#store ??= await this.openStore();
    return this.#store;
  }

  /**
   * Publishes events in the given order, each with the publish timestamp header. Up to 200
   * publishes are in flight at once: both buses send in call order, only the confirms overlap.
   * `unavailableAfterMs` is how long a publish may wait for a broker that is away (the bus's
   * default otherwise).
   */
  async publish(
    events: readonly EventMessage[],
    options: { readonly unavailableAfterMs?: number } = {},
  ): Promise<void> {
    const bus = await this.publisher();
    for (let i = 0; i < events.length; i += 200) {
      await Promise.all(
        events.slice(i, i + 200).map((event) =>
          bus.publish(Buffer.from(JSON.stringify(event)), {
            headers: { 'x-pjm-published-at': Date.now() },
            ...options,
          }),
        ),
      );
    }
  }

  /** Starts a manager on its own bus connection and store handle. */
  async startManager(options: ManagerOptions = {}): Promise<{ manager: Manager; metrics: ManagerMetrics }> {
    const metrics = new ManagerMetrics(new Registry());
    const manager = new Manager(
      { bus: await this.openBus(), store: await this.openStore(), tokens: this.tokens, logger: silentLogger, metrics },
      { deferDelaysMs: TEST_DEFER_DELAYS_MS, ...options },
    );
    await manager.start();
    this.#closers.push(() => manager.stop());
    return { manager, metrics };
  }

  /** Stops managers, closes connections, deletes queues, database and files. */
  async dispose(): Promise<void> {
    for (const close of this.#closers.reverse()) await close().catch(() => undefined);
    if (this.kind.bus !== 'local') {
      const bus = new AmqpEventBus({ url: this.kind.bus.amqp, prefix: this.prefix });
      await bus.start();
      await bus.deleteTopology();
      await bus.close();
    }
    if (this.kind.store !== 'sqlite') {
      const store = new MongoJobStore({ url: this.kind.store.mongo, database: this.database });
      await store.init();
      await store.dropDatabase();
      await store.close();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
