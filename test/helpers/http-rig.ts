import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { Manager } from '../../actors/manager.js';
import { ManagerMetrics } from '../../actors/manager-metrics.js';
import { LocalEventBus } from '../../adapters/bus/local/local-event-bus.js';
import { SqliteNonceStore } from '../../adapters/nonce/sqlite-nonce-store.js';
import { SqliteJobStore } from '../../adapters/store/sqlite/sqlite-job-store.js';
import { buildApp, type AppDeps } from '../../http/build-app.js';
import { JobTokens } from '../../model/job-tokens.js';
import { silentLogger } from '../../ports/logger.js';
import type { EventBus } from '../../ports/event-bus.js';
import { TEST_DEFER_DELAYS_MS, TEST_SECRET } from './manager-rig.js';

/** The admin bearer token of {@link startHttpRig} apps. */
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

/** An HTTP app on real embedded adapters (SQLite `:memory:`, local bus), with or without a manager. */
export interface HttpRig {
  readonly app: FastifyInstance;
  readonly store: SqliteJobStore;
  readonly nonces: SqliteNonceStore;
  readonly bus: EventBus;
  readonly tokens: JobTokens;
  close(): Promise<void>;
}

/**
 * Builds the app on fresh in-memory adapters. `manager: true` also runs a manager on the same bus,
 * so events published by the bridge are applied; without it they stay on the bus, which lets a
 * test count what was (not) published. A `clock` or `tokens` given is shared by the app and the manager.
 */
export async function startHttpRig(
  options: { readonly manager?: boolean; readonly bus?: EventBus } & Partial<AppDeps> = {},
): Promise<HttpRig> {
  const store = new SqliteJobStore({ path: ':memory:' });
  await store.init();
  const nonces = new SqliteNonceStore({ path: ':memory:' });
  await nonces.init();
  const bus = options.bus ?? new LocalEventBus({ path: ':memory:' });
  if (options.bus === undefined) await bus.start();
  const tokens = options.tokens ?? new JobTokens(TEST_SECRET);
  const registry = new Registry();
  let manager: Manager | undefined;
  if (options.manager === true) {
    const deps = {
      bus,
      store,
      tokens,
      logger: silentLogger,
      metrics: new ManagerMetrics(registry),
      ...(options.clock !== undefined && { clock: options.clock }),
      ...(options.pipelines !== undefined && { pipelines: options.pipelines }),
    };
    manager = new Manager(deps, { deferDelaysMs: TEST_DEFER_DELAYS_MS });
    await manager.start();
  }
  const app = buildApp({ apiTokens: [ADMIN_TOKEN], ...options, store, bus, nonces, tokens, registry });
  await app.ready();
  return {
    app,
    store,
    nonces,
    bus,
    tokens,
    async close() {
      await app.close();
      await manager?.stop();
      await bus.close();
      await nonces.close();
      await store.close();
    },
  };
}
