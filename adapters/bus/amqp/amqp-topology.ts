import type { Channel } from 'amqplib';

/** The exchange and queue names of one bus, all derived from its prefix. */
export interface AmqpNames {
  /** Topic exchange events are published to. */
  readonly events: string;
  /** Durable queue the manager consumes; bound to {@link events} with `#`. */
  readonly queue: string;
  /** Fanout exchange and durable queue (same name) holding dead letters. */
  readonly dead: string;
  /** Topic exchange of state notifications. */
  readonly state: string;
  /** Prefix of the per-delay retry queues: `${retryPrefix}${delayMs}`. */
  readonly retryPrefix: string;
}

/** Names of the topology for `prefix`; the manager queue defaults to `${prefix}.manager`. */
export function amqpNames(prefix: string, queue = `${prefix}.manager`): AmqpNames {
  return {
    events: `${prefix}.events`,
    queue,
    dead: `${prefix}.dead`,
    state: `${prefix}.state`,
    retryPrefix: `${prefix}.retry.`,
  };
}

/** How long an idle retry queue outlives its delay before the broker deletes it. */
const RETRY_QUEUE_IDLE_MS = 10 * 60_000;

/** Declares the durable exchanges and queues; idempotent. */
export async function declareTopology(channel: Channel, names: AmqpNames): Promise<void> {
  await channel.assertExchange(names.events, 'topic', { durable: true });
  await channel.assertExchange(names.state, 'topic', { durable: true });
  await channel.assertExchange(names.dead, 'fanout', { durable: true });
  await channel.assertQueue(names.queue, { durable: true });
  await channel.bindQueue(names.queue, names.events, '#');
  await channel.assertQueue(names.dead, { durable: true });
  await channel.bindQueue(names.dead, names.dead, '');
}

/**
 * Declares the queue that holds messages for `delayMs` and then dead-letters them, through the
 * default exchange, to the manager queue only (not to every queue bound to the events exchange).
 * One queue per delay because a queue TTL expires messages strictly from its head.
 */
export async function declareRetryQueue(channel: Channel, names: AmqpNames, delayMs: number): Promise<string> {
  const name = `${names.retryPrefix}${delayMs}`;
  await channel.assertQueue(name, {
    durable: true,
    arguments: {
      'x-message-ttl': delayMs,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': names.queue,
      'x-expires': delayMs + RETRY_QUEUE_IDLE_MS,
    },
  });
  return name;
}

/**
 * Re-declaring a retry queue resets its `x-expires` clock (publishing does not), so a queue that
 * is in use is re-declared well before it could expire with messages in it.
 */
export const RETRY_QUEUE_REDECLARE_MS = 60_000;

/** Deletes the queues (with their messages) and exchanges of `names`, and the given retry queues. */
export async function deleteTopology(channel: Channel, names: AmqpNames, retryDelays: Iterable<number>): Promise<void> {
  for (const delay of retryDelays) await channel.deleteQueue(`${names.retryPrefix}${delay}`);
  await channel.deleteQueue(names.queue);
  await channel.deleteQueue(names.dead);
  await channel.deleteExchange(names.events);
  await channel.deleteExchange(names.state);
  await channel.deleteExchange(names.dead);
}
