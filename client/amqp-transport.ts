import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Message } from 'amqplib';
import { busUnavailable, PipelineJobsError } from '../errors/index.js';
import { jobCallbacks, type JobCallbacks } from './callback-urls.js';
import type { ClientEvent, CreatedJob, CreateJobRequest, DescribeHint, EventVerdict, JobSnapshot, PipelineJobsTransport } from './transport.js';
import { VerdictTimeoutError } from './verdict-timeout-error.js';
import { isObject, optionalField, optionalNumber, optionalString, redactUrl, refusal, stateField, stringField, unexpected } from './wire.js';

/** Options of {@link AmqpTransport}. */
export interface AmqpTransportOptions {
  /** `amqp://user:password@host:port/vhost` of the broker the managers consume from. */
  readonly url: string;
  /** The deployment's `PJM_AMQP_PREFIX` (default `pipelinejobs`): events go to `<prefix>.events`. */
  readonly prefix?: string;
  /** Longest wait for the manager's reply to one event (default 30 000 ms); then a {@link VerdictTimeoutError}. */
  readonly timeoutMs?: number;
  /**
   * Public base URL of a bridge (`PJM_PUBLIC_URL`), e.g. `https://jobs.example.org`. When set,
   * jobs get ready-made `callbacks` (Agave notifications, `sbatch` options); the bus alone has no
   * URL to hand out.
   */
  readonly callbackBase?: string;
  /** A nonce to embed in those callback URLs, when the bridge demands one from Agave and Slurm. */
  readonly callbackNonce?: string;
}

/** The user name of an AMQP URL, when it names one (the broker refuses a `user_id` other than the login). */
function userOf(url: string): string | undefined {
  try {
    const { username } = new URL(url);
    return username === '' ? undefined : decodeURIComponent(username);
  } catch {
    return undefined;
  }
}

/** RabbitMQ direct reply-to: replies come back on the channel that published, no queue needed. */
const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

/** What the manager answers to `reply_to` (see docs/manager.md). */
interface Reply {
  readonly outcome: 'applied' | 'duplicate';
  readonly body: Record<string, unknown>;
}

interface Pending {
  readonly resolve: (reply: Reply) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly context: { readonly uuid?: string; readonly event: string; readonly eventId: string };
  /** The broker confirmed the event: it is on the bus, so a lost reply no longer means "not accepted". */
  confirmed: boolean;
}

interface Session {
  readonly model: ChannelModel;
  readonly channel: ConfirmChannel;
}

/**
 * {@link PipelineJobsTransport} over RabbitMQ, with amqplib: one connection (opened on the first
 * call) and one confirm channel. Each event is published to `<prefix>.events` (routing key
 * `event`) persistent, as JSON, with `messageId` = the event id, a `correlationId` and
 * `replyTo: amq.rabbitmq.reply-to`; the manager's reply settles the call.
 *
 * - `{outcome: "rejected", error: {code, message}}` is thrown as a `PipelineJobsError` with that code.
 * - A publish the broker refuses, or that no queue takes (no manager ever declared its queue),
 *   and an unreachable broker are `bus_unavailable`: nothing was accepted.
 * - No reply within `timeoutMs`, or the connection lost after the broker confirmed the event, is
 *   a {@link VerdictTimeoutError}: the event is on the bus and may still apply.
 *
 * The transport does not reconnect by itself, but the next call after a lost connection opens a
 * new one. It never declares exchanges or queues: the managers own the topology.
 */
export class AmqpTransport implements PipelineJobsTransport {
  readonly kind = 'amqp' as const;
  readonly #url: string;
  readonly #exchange: string;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #callbackBase: string | undefined;
  readonly #callbackNonce: string | undefined;
  readonly #userId: string | undefined;
  readonly #pending = new Map<string, Pending>();
  #session: Promise<Session> | undefined;
  #closed = false;

  constructor(options: AmqpTransportOptions) {
    this.#url = options.url;
    this.#prefix = options.prefix ?? 'pipelinejobs';
    this.#exchange = `${this.#prefix}.events`;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#callbackBase = options.callbackBase;
    this.#callbackNonce = options.callbackNonce;
    this.#userId = userOf(options.url);
  }

  /**
   * A job created here is recorded as created by `amqp:<user of the URL>` (the broker vouches for
   * the `user_id` of each message), and its token is answered again only to that user, to admins
   * and to a holder of the token; anyone else's create rejects with `job_exists`.
   */
  async create(request: CreateJobRequest & { readonly uuid?: string; readonly token?: string }): Promise<CreatedJob> {
    const id = randomUUID();
    const message = { name: 'create', id, ...request };
    const reply = await this.#request(message, { event: 'create', eventId: id, ...optionalField('uuid', request.uuid) });
    const body = reply.body;
    const uuid = stringField(body, 'uuid', 'the create reply');
    const token = stringField(body, 'token', 'the create reply');
    return {
      uuid,
      token,
      pipeline: request.pipeline,
      state: stateField(body, 'the create reply'),
      existed: reply.outcome === 'duplicate',
      ...optionalField('version', optionalNumber(body, 'version')),
      ...optionalField('archivePath', optionalString(body, 'archivePath')),
      ...optionalField('callbacks', this.#callbacks(uuid, token)),
    };
  }

  async send(event: ClientEvent): Promise<EventVerdict> {
    const message = { uuid: event.uuid, name: event.name, token: event.token, id: event.id, ...(event.data !== undefined && { data: event.data }) };
    const reply = await this.#request(message, { uuid: event.uuid, event: event.name, eventId: event.id });
    return { state: stateField(reply.body, 'the reply'), duplicate: reply.outcome === 'duplicate', ...optionalField('version', optionalNumber(reply.body, 'version')) };
  }

  /**
   * The bus has no read side. With the job's `pipeline` and `data` in `hint` this re-sends the
   * job's create (idempotent: the same pipeline and data name the same job, and the manager
   * answers an existing job's state); the uuid travels with it, so a hint that names another job
   * is refused (`schema_violation`) rather than creating one. Without a hint the state is unknown.
   */
  async describe(uuid: string, token: string, hint?: DescribeHint): Promise<JobSnapshot> {
    if (hint?.pipeline === undefined) return { uuid, ...optionalField('callbacks', this.#callbacks(uuid, token)) };
    // The token travels with the create: a holder of the job's token is answered even if another user created it.
    const found = await this.create({ pipeline: hint.pipeline, data: hint.data ?? {}, uuid, token });
    return {
      uuid: found.uuid,
      pipeline: found.pipeline,
      data: hint.data ?? {},
      state: found.state,
      ...optionalField('version', found.version),
      ...optionalField('archivePath', found.archivePath),
      ...optionalField('callbacks', this.#callbacks(uuid, token)),
    };
  }

  /** Fails the calls waiting for a reply and closes the connection; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll((pending) => this.#lost(pending, 'the transport was closed'));
    const session = await this.#session?.catch(() => undefined);
    this.#session = undefined;
    await session?.model.close().catch(() => undefined);
  }

  #callbacks(uuid: string, token: string): JobCallbacks | undefined {
    if (this.#callbackBase === undefined) return undefined;
    return jobCallbacks({ base: this.#callbackBase, uuid, token, ...optionalField('nonce', this.#callbackNonce) });
  }

  /** Publishes `message` and waits for the manager's reply. */
  async #request(message: Record<string, unknown>, context: Pending['context']): Promise<Reply> {
    const session = await this.#open();
    const correlationId = randomUUID();
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        const pending = this.#pending.get(correlationId);
        if (pending === undefined) return;
        this.#pending.delete(correlationId);
        reject(
          pending.confirmed
            ? new VerdictTimeoutError(`no reply from a manager within ${this.#timeoutMs} ms to the ${context.event} event: it is on the bus and may still be applied`, context)
            : busUnavailable(`the broker did not confirm the ${context.event} event within ${this.#timeoutMs} ms`),
        );
      }, this.#timeoutMs);
      this.#pending.set(correlationId, { resolve, reject, timer, context, confirmed: false });
      const body = Buffer.from(JSON.stringify(message));
      const properties = {
        persistent: true,
        contentType: 'application/json',
        messageId: context.eventId,
        correlationId,
        replyTo: DIRECT_REPLY_TO,
        // Returned (basic.return) when no queue is bound: no manager has declared its queue.
        mandatory: true,
        headers: { 'x-pjm-published-at': Date.now() },
        ...optionalField('userId', this.#userId),
      };
      try {
        session.channel.publish(this.#exchange, 'event', body, properties, (err: unknown) => {
          if (err === null || err === undefined) this.#confirmed(correlationId);
          else this.#fail(correlationId, busUnavailable(`the broker refused the ${context.event} event`, err));
        });
      } catch (err) {
        // Thrown synchronously: the channel is closing.
        this.#fail(correlationId, busUnavailable(`the ${context.event} event could not be published`, err));
      }
    });
  }

  async #open(): Promise<Session> {
    if (this.#closed) throw busUnavailable('the transport is closed');
    this.#session ??= this.#connect().catch((err: unknown) => {
      this.#session = undefined;
      throw err;
    });
    return this.#session;
  }

  async #connect(): Promise<Session> {
    let model: ChannelModel;
    try {
      model = await connect(this.#url, { clientProperties: { connection_name: `pipelinejobs client (pid ${process.pid}, ${randomUUID().slice(0, 8)})` }, noDelay: true });
    } catch (err) {
      throw busUnavailable(`cannot connect to ${redactUrl(this.#url)}`, err);
    }
    // Without listeners, an 'error' event would throw; 'close' follows it and is handled below.
    model.on('error', () => undefined);
    try {
      const channel = await model.createConfirmChannel();
      channel.on('error', () => undefined);
      const session: Session = { model, channel };
      const lost = (): void => this.#sessionLost(session);
      model.once('close', lost);
      channel.once('close', lost);
      try {
        await channel.checkExchange(this.#exchange);
      } catch (err) {
        throw busUnavailable(`the exchange ${this.#exchange} does not exist: no manager has run with prefix ${this.#prefix} on this broker`, err);
      }
      await channel.consume(DIRECT_REPLY_TO, (reply) => reply !== null && this.#onReply(reply), { noAck: true });
      channel.on('return', (returned: Message) => this.#onReturn(returned));
      return session;
    } catch (err) {
      await model.close().catch(() => undefined);
      throw err instanceof PipelineJobsError ? err : busUnavailable(`cannot open a channel on ${redactUrl(this.#url)}`, err);
    }
  }

  #onReply(message: ConsumeMessage): void {
    const correlationId: unknown = message.properties.correlationId;
    if (typeof correlationId !== 'string') return;
    const pending = this.#take(correlationId);
    if (pending === undefined) return;
    let body: unknown;
    try {
      body = JSON.parse(message.content.toString('utf8'));
    } catch {
      pending.reject(unexpected('the manager reply is not JSON'));
      return;
    }
    if (!isObject(body)) {
      pending.reject(unexpected('the manager reply is not an object', body));
      return;
    }
    const outcome = body['outcome'];
    if (outcome === 'applied' || outcome === 'duplicate') pending.resolve({ outcome, body });
    else if (outcome === 'rejected') pending.reject(refusal(body['error'], { ...optionalField('uuid', pending.context.uuid), eventId: pending.context.eventId }));
    else pending.reject(unexpected('the manager reply has no known outcome', body));
  }

  #onReturn(message: Message): void {
    const correlationId: unknown = message.properties.correlationId;
    if (typeof correlationId !== 'string') return;
    this.#fail(correlationId, busUnavailable(`no queue is bound to ${this.#exchange}: no manager has declared its queue (prefix ${this.#prefix}); the event was dropped`));
  }

  #confirmed(correlationId: string): void {
    const pending = this.#pending.get(correlationId);
    if (pending !== undefined) pending.confirmed = true;
  }

  #take(correlationId: string): Pending | undefined {
    const pending = this.#pending.get(correlationId);
    if (pending === undefined) return undefined;
    clearTimeout(pending.timer);
    this.#pending.delete(correlationId);
    return pending;
  }

  #fail(correlationId: string, err: Error): void {
    this.#take(correlationId)?.reject(err);
  }

  #failAll(reason: (pending: Pending) => Error): void {
    for (const id of [...this.#pending.keys()]) {
      const pending = this.#take(id);
      pending?.reject(reason(pending));
    }
  }

  /** The error of a call whose reply can no longer arrive. */
  #lost(pending: Pending, why: string): Error {
    return pending.confirmed
      ? new VerdictTimeoutError(`${why} before the manager replied to the ${pending.context.event} event: it is on the bus and may still be applied`, pending.context)
      : busUnavailable(`${why} before the broker confirmed the ${pending.context.event} event`);
  }

  #sessionLost(session: Session): void {
    const current = this.#session;
    if (current === undefined) return;
    void current.then(
      (open) => {
        if (open !== session) return;
        this.#session = undefined;
        // One session at a time, so every waiting call was published on the lost one.
        this.#failAll((pending) => this.#lost(pending, 'the connection to the broker was lost'));
      },
      () => undefined,
    );
  }
}
