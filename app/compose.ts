import { join, resolve } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { DeadLetters } from '../actors/dead-letters.js';
import { registerDeadLetterGauge } from '../actors/dead-letter-metrics.js';
import { AmqpEventBus } from '../adapters/bus/amqp/amqp-event-bus.js';
import { MongoDeadLetterStore } from '../adapters/dead-letters/mongo-dead-letter-store.js';
import { SqliteDeadLetterStore } from '../adapters/dead-letters/sqlite-dead-letter-store.js';
import { LocalEventBus } from '../adapters/bus/local/local-event-bus.js';
import { MongoNonceStore } from '../adapters/nonce/mongo-nonce-store.js';
import { SqliteNonceStore } from '../adapters/nonce/sqlite-nonce-store.js';
import { MongoJobStore } from '../adapters/store/mongo/mongo-job-store.js';
import { SqliteJobStore } from '../adapters/store/sqlite/sqlite-job-store.js';
import { PipelineJobsError } from '../errors/index.js';
import { JobTokens } from '../model/job-tokens.js';
import type { DeadLetterStore } from '../ports/dead-letter-store.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobStore } from '../ports/job-store.js';
import type { NonceStore } from '../ports/nonce-store.js';
import { redactUrl } from '../protocol/redact-url.js';
import type { Config } from '../config/config.js';
import { ensureDataDir } from './data-dir.js';
import { loadOrCreateSecret } from './secret.js';

/** The wired adapters of one process. The only place adapters meet ports. */
export interface Runtime {
  readonly store: JobStore;
  readonly nonces: NonceStore;
  readonly bus: EventBus;
  /** The dead letters, kept from the bus's dead-letter queue into a store beside the jobs. */
  readonly deadLetters: DeadLetters;
  readonly tokens: JobTokens;
  readonly registry: Registry;
  /** True when neither a broker nor a database URL is configured. */
  readonly embedded: boolean;
  /** Stops the bus, then the stores. */
  close(): Promise<void>;
}

/**
 * Refuses a configuration whose token secret would differ between processes that share jobs.
 * The secret lives where the jobs live: with the SQLite store, every process that shares the jobs
 * shares PJM_DATA_DIR and so the secret generated there (whatever the bus, RabbitMQ included);
 * a MongoDB store can be shared from many hosts, which must all be given the same PJM_SECRET.
 */
export function checkSecret(config: Readonly<Config>): void {
  if (config.PJM_SECRET === undefined && config.PJM_MONGO_URL !== undefined) {
    throw new PipelineJobsError(
      'invalid_config',
      'PJM_SECRET is required when PJM_MONGO_URL is set (every process that ' +
        'shares the store must verify the same job tokens)',
      {
        errors: [{ key: 'PJM_SECRET', reason: 'is required with PJM_MONGO_URL' }],
      },
    );
  }
}

/** Connects the store and the bus the configuration names (embedded defaults otherwise). */
export async function composeRuntime(config: Readonly<Config>, logger: PinoLogger): Promise<Runtime> {
  checkSecret(config);
  const embedded = config.PJM_AMQP_URL === undefined && config.PJM_MONGO_URL === undefined;
  const dataDir = resolve(config.PJM_DATA_DIR);
  if (config.PJM_AMQP_URL === undefined || config.PJM_MONGO_URL === undefined) ensureDataDir(dataDir);
  const secret = config.PJM_SECRET ?? loadOrCreateSecret(dataDir);
  const store: JobStore =
    config.PJM_MONGO_URL === undefined
      ? new SqliteJobStore({ path: join(dataDir, 'jobs.db') })
      : new MongoJobStore({ url: config.PJM_MONGO_URL, database: config.PJM_MONGO_DB });
  const nonces = nonceStoreFor(config);
  // Dead letters are kept beside the jobs: in the SQLite file, or in the same Mongo database.
  const deadLetterStore: DeadLetterStore =
    config.PJM_MONGO_URL === undefined
      ? new SqliteDeadLetterStore({ path: join(dataDir, 'jobs.db') })
      : new MongoDeadLetterStore({ url: config.PJM_MONGO_URL, database: config.PJM_MONGO_DB });
  const bus: EventBus =
    config.PJM_AMQP_URL === undefined
      ? new LocalEventBus({ path: join(dataDir, 'bus.db') })
      : new AmqpEventBus({
          url: config.PJM_AMQP_URL,
          prefix: config.PJM_AMQP_PREFIX,
          logger: logger.child({ component: 'amqp' }),
        });
  await store.init();
  await nonces.init();
  await deadLetterStore.init();
  await bus.start();
  logger.info(
    {
      store:
        config.PJM_MONGO_URL === undefined
          ? `sqlite:${join(dataDir, 'jobs.db')}`
          : redactUrl(config.PJM_MONGO_URL, { dropQuery: true }),
      bus:
        config.PJM_AMQP_URL === undefined
          ? `local:${join(dataDir, 'bus.db')}`
          : redactUrl(config.PJM_AMQP_URL, { dropQuery: true }),
      // Where job tokens are signed from: another host checking them needs the same PJM_SECRET.
      secretFrom: config.PJM_SECRET === undefined ? join(dataDir, 'secret') : 'PJM_SECRET',
      embedded,
    },
    'connected',
  );
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pjm_' });
  registerDeadLetterGauge(registry, deadLetterStore);
  const tokens = new JobTokens(secret, config.PJM_TOKEN_TTL_SECONDS, config.PJM_TOKEN_GRACE_SECONDS);
  const deadLetters = new DeadLetters({
    bus,
    store: deadLetterStore,
    tokens,
    logger: logger.child({ component: 'dead-letters' }),
  });
  return {
    store,
    nonces,
    bus,
    deadLetters,
    tokens,
    registry,
    embedded,
    async close() {
      await deadLetters.stop();
      await bus.close();
      await deadLetterStore.close();
      await nonces.close();
      await store.close();
    },
  };
}

/** Nonces live beside the jobs: in the SQLite file, or in the same Mongo database. */
function nonceStoreFor(config: Readonly<Config>): NonceStore {
  return config.PJM_MONGO_URL === undefined
    ? new SqliteNonceStore({ path: join(resolve(config.PJM_DATA_DIR), 'jobs.db') })
    : new MongoNonceStore({ url: config.PJM_MONGO_URL, database: config.PJM_MONGO_DB });
}

/** The nonce store the configuration names, initialised; for commands that need nothing else. */
export async function openNonceStore(config: Readonly<Config>): Promise<NonceStore> {
  if (config.PJM_MONGO_URL === undefined) ensureDataDir(config.PJM_DATA_DIR);
  const nonces = nonceStoreFor(config);
  await nonces.init();
  return nonces;
}

/** The retry schedule of deferred events, from `PJM_DEFER_DELAYS_MS`. */
export function deferDelays(config: Readonly<Config>): number[] {
  return config.PJM_DEFER_DELAYS_MS.split(',').map(Number);
}
