import type Database from 'better-sqlite3';
import { StatementCache } from '../../sqlite/statement-cache.js';
import type { DeadLetter, DeadLetterReason, Delivery, HeaderValue, TokenCheck } from '../../../ports/event-bus.js';
import { LOCAL_BUS_MIGRATIONS, LOCAL_BUS_SCHEMA } from './local-bus-schema.js';
import { openDatabase } from '../../sqlite/open-database.js';
import { newDeadLetterId } from '../../../model/dead-letter-id.js';

/** A message ready to be inserted into the events queue: the message fields of a delivery. */
export type NewMessage = Pick<Delivery, 'body' | 'routingKey' | 'headers' | 'replyTo' | 'correlationId' | 'messageId'>;

/** A message handed out by {@link LocalQueue.lease}. */
export interface LeasedMessage extends NewMessage {
  readonly seq: number;
  readonly attempts: number;
  /** Handouts so far, this one included. */
  readonly delivered: number;
}

/** One handout of one message: settlements and renewals apply only while it is still current. */
export interface LeaseRef {
  readonly seq: number;
  readonly owner: string;
  readonly delivered: number;
}

/** How a consumer settles a handout. */
export type Settlement =
  | { readonly kind: 'ack' }
  | { readonly kind: 'requeue' }
  | { readonly kind: 'retry'; readonly availableAt: number }
  | { readonly kind: 'dead'; readonly reason: DeadLetterReason; readonly stored?: Buffer };

interface MessageRow {
  seq: number;
  routing_key: string;
  body: Buffer;
  headers: string;
  reply_to: string | null;
  correlation_id: string | null;
  message_id: string | null;
  attempts: number;
  delivered: number;
  reason_code: string | null;
  reason_message: string | null;
  reason_token: string | null;
  dead_id: string | null;
  dead_at: number | null;
}

const READY = `queue = 'events' AND (lease_until IS NULL OR lease_until <= @now)`;
const DUE = `queue = 'delayed' AND available_at <= @now`;
// Without statistics SQLite picks the (queue, seq) index for DUE and walks every parked retry.
const DELAYED = 'bus_messages INDEXED BY bus_messages_due';
const CURRENT = `seq = @seq AND queue = 'events' AND lease_owner = @owner AND delivered = @delivered`;

const SETTLE_SQL: Record<Settlement['kind'], string> = {
  ack: `DELETE FROM bus_messages WHERE ${CURRENT}`,
  requeue: `UPDATE bus_messages SET lease_owner = NULL, lease_until = NULL WHERE ${CURRENT}`,
  // A retried message comes back as a fresh delivery, as it does from an AMQP delay queue.
  retry: `UPDATE bus_messages SET queue = 'delayed', lease_owner = NULL, lease_until = NULL, attempts = attempts + 1,
            available_at = @availableAt, delivered = 0 WHERE ${CURRENT}`,
  dead: `UPDATE bus_messages SET queue = 'dead', lease_owner = NULL, lease_until = NULL, body = coalesce(@stored, body),
           reason_code = @code, reason_message = @message, reason_token = @token,
           dead_id = @deadId, dead_at = @deadAt WHERE ${CURRENT}`,
};

/**
 * The SQLite side of the local bus: every statement it runs, all synchronous. Writers take the
 * lock at BEGIN (IMMEDIATE) so two processes never both read a message as available.
 */
export class LocalQueue {
  readonly #db: Database.Database;
  readonly #statements: StatementCache;

  constructor(path: string, busyTimeoutMs: number) {
    this.#db = openDatabase(path, busyTimeoutMs, { eraseDeleted: true });
    this.#statements = new StatementCache(this.#db);
  }

  get open(): boolean {
    return this.#db.open;
  }

  init(): void {
    this.#db.exec(LOCAL_BUS_SCHEMA);
    for (const step of LOCAL_BUS_MIGRATIONS) {
      const columns = this.#db.pragma('table_info(bus_messages)') as Array<{ name: string }>;
      if (columns.some((c) => c.name === step.column)) continue;
      try {
        this.#db.transaction(() => this.#db.exec(step.sql)).immediate();
      } catch (err) {
        // Another process opening the same file migrated it first.
        if (!/duplicate column/.test(String(err))) throw err;
      }
    }
  }

  close(): void {
    this.#db.close();
  }

  /** Runs `work` in one IMMEDIATE transaction: everything in it commits or nothing does. */
  transaction(work: () => void): void {
    this.#db.transaction(work).immediate();
  }

  insert(message: NewMessage, now: number): void {
    this.#stmt(
      `INSERT INTO bus_messages (queue, routing_key, body, headers, reply_to, correlation_id, message_id, available_at)
       VALUES ('events', @routingKey, @body, @headers, @replyTo, @correlationId, @messageId, @now)`,
    ).run({
      routingKey: message.routingKey,
      body: message.body,
      headers: JSON.stringify(message.headers),
      replyTo: message.replyTo ?? null,
      correlationId: message.correlationId ?? null,
      messageId: message.messageId ?? null,
      now,
    });
  }

  /**
   * Inserts `message` already leased to `owner` (its first handout) and returns it as
   * {@link lease} would have: for a consumer of this process that takes it straight from the
   * publisher. Call it inside a transaction that found nothing available before it, so that no
   * older message is passed over.
   */
  insertLeased(message: NewMessage, now: number, owner: string, leaseMs: number): LeasedMessage {
    const headers = JSON.stringify(message.headers);
    const { lastInsertRowid } = this.#stmt(
      `INSERT INTO bus_messages (queue, routing_key, body, headers, reply_to, correlation_id, message_id, available_at,
         lease_owner, lease_until, delivered)
       VALUES ('events', @routingKey, @body, @headers, @replyTo, @correlationId, @messageId, @now, @owner, @until, 1)`,
    ).run({
      routingKey: message.routingKey,
      body: message.body,
      headers,
      replyTo: message.replyTo ?? null,
      correlationId: message.correlationId ?? null,
      messageId: message.messageId ?? null,
      now,
      owner,
      until: now + leaseMs,
    });
    return {
      seq: Number(lastInsertRowid),
      // Copies, as a handout read back from the file would be: the publisher keeps its own.
      body: Buffer.from(message.body),
      routingKey: message.routingKey,
      headers: JSON.parse(headers) as Record<string, HeaderValue>,
      ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo }),
      ...(message.correlationId === undefined ? {} : { correlationId: message.correlationId }),
      ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
      attempts: 0,
      delivered: 1,
    };
  }

  /** A cheap read (no write lock) that tells whether {@link lease} would find anything. */
  hasAvailable(now: number): boolean {
    return (
      (
        this.#stmt(
          `SELECT EXISTS (SELECT 1 FROM bus_messages WHERE ${READY} ORDER BY seq) OR ` +
            `EXISTS (SELECT 1 FROM ${DELAYED} WHERE ${DUE}) AS yes`,
        ).get({ now }) as { yes: number }
      ).yes === 1
    );
  }

  /**
   * Moves the retries that are due back into the events queue, then leases up
   * to `limit` ready messages to `owner`, oldest first.
   */
  lease(owner: string, limit: number, now: number, leaseMs: number): LeasedMessage[] {
    const promote = this.#stmt(`UPDATE ${DELAYED} SET queue = 'events' WHERE ${DUE}`);
    const lease = this.#stmt(
      `UPDATE bus_messages SET lease_owner = @owner, lease_until = @until, delivered = delivered + 1
       WHERE seq IN (SELECT seq FROM bus_messages WHERE ${READY} ORDER BY seq LIMIT @limit)
       RETURNING seq, routing_key, body, headers, reply_to, correlation_id, message_id, attempts, delivered`,
    );
    const rows = this.#db
      .transaction(() => {
        promote.run({ now });
        return lease.all({ owner, until: now + leaseMs, now, limit }) as MessageRow[];
      })
      .immediate();
    // RETURNING yields rows in no particular order; publish order is the contract.
    return rows.sort((a, b) => a.seq - b.seq).map(toLeased);
  }

  /** Applies `settlement` if `ref` is still the current handout; false when the lease was lost. */
  settle(ref: LeaseRef, settlement: Settlement): boolean {
    const params: Record<string, string | number | Buffer | null> = {
      seq: ref.seq,
      owner: ref.owner,
      delivered: ref.delivered,
    };
    if (settlement.kind === 'retry') params['availableAt'] = settlement.availableAt;
    if (settlement.kind === 'dead') {
      params['code'] = settlement.reason.code;
      params['message'] = settlement.reason.message;
      params['token'] = settlement.reason.token ?? 'unchecked';
      params['stored'] = settlement.stored ?? null;
      params['deadId'] = newDeadLetterId();
      params['deadAt'] = Date.now();
    }
    return this.#stmt(SETTLE_SQL[settlement.kind]).run(params).changes > 0;
  }

  /** Extends the leases of handouts still current until `until`. */
  renew(refs: Iterable<LeaseRef>, until: number): void {
    const renew = this.#stmt(`UPDATE bus_messages SET lease_until = @until WHERE ${CURRENT}`);
    this.transaction(() => {
      for (const ref of refs) renew.run({ seq: ref.seq, owner: ref.owner, delivered: ref.delivered, until });
    });
  }

  /** Gives the messages of handouts still current back to the queue, available at once. */
  release(refs: Iterable<LeaseRef>): void {
    this.transaction(() => {
      for (const ref of refs) this.settle(ref, { kind: 'requeue' });
    });
  }

  /** Up to `max` dead letters, oldest first, left in place. */
  peekDead(max: number): Array<{ readonly seq: number; readonly letter: DeadLetter }> {
    const rows = this.#stmt(
      `SELECT seq, routing_key, body, headers, message_id, attempts, reason_code, reason_message, reason_token,
         dead_id, dead_at FROM bus_messages WHERE queue = 'dead' ORDER BY seq LIMIT @max`,
    ).all({ max }) as MessageRow[];
    return rows.map((row) => ({
      seq: row.seq,
      letter: {
        id: row.dead_id ?? `00000000-0000-4000-8000-${row.seq.toString(16).padStart(12, '0')}`,
        deadAt: new Date(row.dead_at ?? 0).toISOString(),
        body: row.body,
        routingKey: row.routing_key,
        headers: JSON.parse(row.headers) as Record<string, HeaderValue>,
        ...(row.message_id === null ? {} : { messageId: row.message_id }),
        reason: { code: row.reason_code ?? '', message: row.reason_message ?? '', token: tokenCheck(row.reason_token) },
        attempts: row.attempts,
      },
    }));
  }

  /** Removes the dead letters `seqs` (those still there). */
  removeDead(seqs: readonly number[]): void {
    const remove = this.#stmt(`DELETE FROM bus_messages WHERE seq = @seq AND queue = 'dead'`);
    this.transaction(() => {
      for (const seq of seqs) remove.run({ seq });
    });
  }

  #stmt(sql: string): Database.Statement {
    return this.#statements.get(sql);
  }
}

function tokenCheck(value: string | null): TokenCheck {
  return value === 'verified' || value === 'refused' ? value : 'unchecked';
}

function toLeased(row: MessageRow): LeasedMessage {
  return {
    seq: row.seq,
    body: row.body,
    routingKey: row.routing_key,
    headers: JSON.parse(row.headers) as Record<string, HeaderValue>,
    ...(row.reply_to === null ? {} : { replyTo: row.reply_to }),
    ...(row.correlation_id === null ? {} : { correlationId: row.correlation_id }),
    ...(row.message_id === null ? {} : { messageId: row.message_id }),
    attempts: row.attempts,
    delivered: row.delivered,
  };
}
