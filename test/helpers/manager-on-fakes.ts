import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import type { Test } from 'tap';
import { Manager, type ManagerOptions } from '../../actors/manager.js';
import { ManagerMetrics } from '../../actors/manager-metrics.js';
import { JobTokens } from '../../model/job-tokens.js';
import type { DeadLetter, Delivery, EventBus, PublishOptions, StateNotification } from '../../ports/event-bus.js';
import type { JobStore } from '../../ports/job-store.js';
import type { Logger } from '../../ports/logger.js';
import type { PipelineCatalog } from '../../registry/pipeline-catalog.js';
import { MemoryEventBus } from '../fakes/memory-event-bus.js';
import { MemoryJobStore } from '../fakes/memory-job-store.js';

/** The secret the rig's tokens are signed with. */
export const FAKES_SECRET = 'unit-test-secret-0123456789abcdef';

/**
 * A header that stands for the broker-vouched publisher (AMQP `user_id`): the rig's manager sees a
 * message published with it as coming from that user. Publishing cannot set `userId` through the
 * port, as only the broker can.
 */
export const AS_USER = 'x-test-user';

/** One call of the rig's logger. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** What the manager answered a request (its reply body). */
export type Reply = Record<string, unknown>;

/** Options of {@link startManagerOnFakes}. */
export interface FakesOptions {
  readonly manager?: ManagerOptions;
  readonly tokens?: JobTokens;
  readonly clock?: () => Date;
  /** Wraps the store the manager writes through (to make it fail); the rig keeps the real one to inspect. */
  readonly wrapStore?: (store: MemoryJobStore) => JobStore;
  /** Wraps the bus the manager consumes from (to make its calls fail); the rig publishes on the real one. */
  readonly wrapBus?: (bus: MemoryEventBus) => EventBus;
  /** The pipeline registry creates are checked against. */
  readonly pipelines?: PipelineCatalog;
}

/** A manager started on the in-memory fakes, and ways to talk to it and look at what it did. */
export interface ManagerOnFakes {
  readonly manager: Manager;
  readonly bus: MemoryEventBus;
  readonly store: MemoryJobStore;
  readonly tokens: JobTokens;
  readonly metrics: ManagerMetrics;
  readonly logs: LogLine[];
  /** Every state notification published so far. */
  readonly notifications: StateNotification[];
  /** Publishes `event` (an object is sent as JSON) with a reply address and resolves with the manager's reply. */
  ask(event: object | Buffer, options?: PublishOptions): Promise<Reply>;
  /** Publishes `event` without a reply address. */
  post(event: object | Buffer, options?: PublishOptions): Promise<void>;
  /** Waits for `count` dead letters (at most `timeoutMs`) and returns what arrived. */
  deadLetters(count: number, timeoutMs?: number): Promise<DeadLetter[]>;
  /** How many messages the manager counted with `outcome` (and `code`, when given). */
  counted(outcome: string, code?: string): Promise<number>;
  /** Stops the manager and takes what is still on the events queue (waits `waitMs` for it). */
  stopAndDrain(waitMs?: number): Promise<Delivery[]>;
}

/** Fast retries: a deferred event comes back within milliseconds. */
const DEFER_DELAYS_MS = [5, 10, 20, 40, 80, 160, 320];

function body(event: object | Buffer): Buffer {
  return Buffer.isBuffer(event) ? event : Buffer.from(JSON.stringify(event));
}

function capturingLogger(lines: LogLine[]): Logger {
  const at =
    (level: LogLine['level']) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}

/**
 * `target` with some of its methods replaced: the others are called on `target` itself (so its
 * private fields work), the replacements as given.
 */
export function intercept<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof T];
      const value = Reflect.get(object, property, object) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

/** The bus as the manager sees it: a message published with {@link AS_USER} arrives with that `userId`. */
function vouching(bus: EventBus): EventBus {
  return intercept(bus, {
    consume: (handler, options) =>
      bus.consume((delivery) => {
        const user = delivery.headers[AS_USER];
        handler(typeof user === 'string' ? { ...delivery, userId: user } : delivery);
      }, options),
  });
}

/** Starts a manager on a fresh in-memory store and bus; it is stopped and both are closed with the test. */
export async function startManagerOnFakes(t: Test, options: FakesOptions = {}): Promise<ManagerOnFakes> {
  const store = new MemoryJobStore();
  const bus = new MemoryEventBus();
  await bus.start();
  const tokens = options.tokens ?? new JobTokens(FAKES_SECRET);
  const metrics = new ManagerMetrics(new Registry());
  const logs: LogLine[] = [];
  const notifications: StateNotification[] = [];
  await bus.subscribeState('#', (n) => notifications.push(n));
  const manager = new Manager(
    {
      bus: vouching(options.wrapBus?.(bus) ?? bus),
      store: options.wrapStore?.(store) ?? store,
      tokens,
      logger: capturingLogger(logs),
      metrics,
      ...(options.clock !== undefined && { clock: options.clock }),
      ...(options.pipelines !== undefined && { pipelines: options.pipelines }),
    },
    { deferDelaysMs: DEFER_DELAYS_MS, transientBackoff: { initialMs: 1, maxMs: 4 }, ...options.manager },
  );
  await manager.start();
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await manager.stop();
    await bus.close();
  });
  return {
    manager,
    bus,
    store,
    tokens,
    metrics,
    logs,
    notifications,
    async ask(event, publish = {}) {
      return (await bus.request(body(event), { ...publish, timeoutMs: 5000 })) as Reply;
    },
    async post(event, publish = {}) {
      await bus.publish(body(event), publish);
    },
    async deadLetters(count, timeoutMs = 5000) {
      const dead: DeadLetter[] = [];
      const deadline = Date.now() + timeoutMs;
      while (dead.length < count && Date.now() < deadline) {
        dead.push(...(await bus.drainDeadLetters(count - dead.length)));
        if (dead.length < count) await sleep(5);
      }
      return dead;
    },
    async counted(outcome, code) {
      const { values } = await metrics.events.get();
      return values
        .filter((v) => v.labels['outcome'] === outcome && (code === undefined || v.labels['code'] === code))
        .reduce((sum, v) => sum + v.value, 0);
    },
    async stopAndDrain(waitMs = 100) {
      stopped = true;
      await manager.stop();
      const left: Delivery[] = [];
      const sub = await bus.consume((d) => left.push(d), { prefetch: 10_000 });
      await sleep(waitMs);
      await sub.stop();
      return left;
    },
  };
}

/** Polls `check` every few milliseconds until it holds or `timeoutMs` passes; returns its last answer. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
}
