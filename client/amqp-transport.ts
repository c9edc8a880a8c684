import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Message } from 'amqplib';
import { busUnavailable, PipelineJobsError } from '../errors/index.js';
import { DIRECT_REPLY_TO, publishHeaders } from '../protocol/amqp-names.js';
import { jobCallbacks, type JobCallbacks } from '../protocol/callback-urls.js';
import { encodeEventMessage } from '../protocol/event-message.js';
import { decodeManagerReply, isUnreadable, type ManagerAcceptance } from '../protocol/manager-reply.js';
import { PendingReplies, type Waiting } from '../protocol/pending-replies.js';
import { redactUrl } from '../protocol/redact-url.js';
import type { CreateEventMessage, EventMessage, JobEventMessage, ReleaseJobMessage } from '../schemas/types.js';
import { CLAIM_ROUTING_KEY, encodeClaimRequest, readClaimReply, type ClaimedJob } from '../protocol/claim-message.js';
import { claimMessage, userClaimer } from './claim-request.js';
import type {
  ClaimJobsRequest,
  ClientEvent,
  CreatedJob,
  CreateJobRequest,
  DescribeHint,
  EventVerdict,
  JobSnapshot,
  PipelineJobsTransport,
} from './transport.js';
import { VerdictTimeoutError } from './verdict-timeout-error.js';
import { optionalField, refusal, unexpected } from './wire.js';

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

/** What a call waiting for the manager's reply is about, and how its reply is read. */
interface CallContext {
  readonly uuid?: string;
  readonly event: string;
  readonly eventId: string;
  /** The reply's meaning for this call; throws the refusal it carries. */
  readonly read: (content: Buffer) => unknown;
}

/** The manager's answer to an event, or the refusal it carries thrown as a `PipelineJobsError`. */
function readAcceptance(content: Buffer, details: Readonly<Record<string, unknown>>): ManagerAcceptance {
  const reply = decodeManagerReply(content);
  if (isUnreadable(reply)) throw unexpected(reply.problem, reply.body);
  if (reply.outcome === 'rejected') throw refusal(reply.error, details);
  return reply;
}

/** The manager's answer to a claim: the jobs it took, or the refusal it carries thrown. */
function readGrant(content: Buffer, details: Readonly<Record<string, unknown>>): readonly ClaimedJob[] {
  let body: unknown;
  try {
    body = JSON.parse(content.toString('utf8'));
  } catch {
    throw unexpected('the manager reply is not JSON');
  }
  const reply = readClaimReply(body);
  if (reply === undefined) throw unexpected('the claim reply has no jobs', body);
  if (reply.outcome === 'rejected') throw refusal(reply.error, details);
  return reply.jobs;
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
  /**
   * Calls waiting for the manager's reply; a confirmed one is on the bus,
   * so a lost reply no longer means "not accepted".
   */
  readonly #pending = new PendingReplies<unknown, CallContext>();
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
    const message: CreateEventMessage = { name: 'create', id, ...request };
    const reply = await this.#event(message, { event: 'create', eventId: id, ...optionalField('uuid', request.uuid) });
    const { uuid, token } = reply;
    if (token === undefined || token === '') throw unexpected('the create reply has no token', reply);
    return {
      uuid,
      token,
      pipeline: request.pipeline,
      state: reply.state,
      existed: reply.outcome === 'duplicate',
      version: reply.version,
      ...optionalField('archivePath', reply.archivePath),
      ...optionalField('callbacks', this.#callbacks(uuid, token)),
    };
  }

  async send(event: ClientEvent): Promise<EventVerdict> {
    const message: JobEventMessage = {
      uuid: event.uuid,
      name: event.name,
      token: event.token,
      id: event.id,
      ...(event.data !== undefined && { data: event.data }),
    };
    const reply = await this.#event(message, { uuid: event.uuid, event: event.name, eventId: event.id });
    return { state: reply.state, duplicate: reply.outcome === 'duplicate', version: reply.version };
  }

  /** Publishes a claim request (routing key `claim`) and answers the jobs the manager took. */
  async claim(request: ClaimJobsRequest): Promise<readonly ClaimedJob[]> {
    const id = randomUUID();
    const message = {
      ...claimMessage(id, request, userClaimer(this.#userId)),
      answerBy: new Date(Date.now() + this.#timeoutMs).toISOString(),
    };
    const details = { requestId: id, site: request.site };
    const jobs = await this.#request(encodeClaimRequest(message), CLAIM_ROUTING_KEY, {
      event: 'claim',
      eventId: id,
      read: (content) => readGrant(content, details),
    });
    return jobs as readonly ClaimedJob[];
  }

  async release(uuid: string, by?: string): Promise<EventVerdict> {
    const id = randomUUID();
    const message: ReleaseJobMessage = {
      op: 'release',
      id,
      uuid: uuid.toLowerCase(),
      by: by ?? userClaimer(this.#userId),
    };
    const details = { uuid, eventId: id };
    const reply = (await this.#request(encodeClaimRequest(message), CLAIM_ROUTING_KEY, {
      uuid,
      event: 'release',
      eventId: id,
      read: (content) => readAcceptance(content, details),
    })) as ManagerAcceptance;
    return { state: reply.state, duplicate: reply.outcome === 'duplicate', version: reply.version };
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
    this.#pending.failWhere((waiting) => this.#lost(waiting, 'the transport was closed'));
    const session = await this.#session?.catch(() => undefined);
    this.#session = undefined;
    await session?.model.close().catch(() => undefined);
  }

  #callbacks(uuid: string, token: string): JobCallbacks | undefined {
    if (this.#callbackBase === undefined) return undefined;
    return jobCallbacks({ base: this.#callbackBase, uuid, token, ...optionalField('nonce', this.#callbackNonce) });
  }

  /** Publishes an event and waits for the manager's verdict. */
  async #event(message: EventMessage, context: Omit<CallContext, 'read'>): Promise<ManagerAcceptance> {
    const details = { ...optionalField('uuid', context.uuid), eventId: context.eventId };
    const reply = await this.#request(encodeEventMessage(message), 'event', {
      ...context,
      read: (content) => readAcceptance(content, details),
    });
    return reply as ManagerAcceptance;
  }

  /** Publishes `body` with `routingKey` and waits for the manager's reply, read as `context.read` says. */
  async #request(body: Buffer, routingKey: string, context: CallContext): Promise<unknown> {
    const session = await this.#open();
    const correlationId = randomUUID();
    const reply = this.#pending.expect(correlationId, {
      timeoutMs: this.#timeoutMs,
      context,
      expired: (_why, waiting) =>
        waiting.confirmed
          ? new VerdictTimeoutError(
              `no reply from a manager within ${this.#timeoutMs} ms to the ` +
                `${context.event} event: it is on the bus and may still be applied`,
              context,
            )
          : busUnavailable(`the broker did not confirm the ${context.event} event within ${this.#timeoutMs} ms`),
    });
    const properties = {
      persistent: true,
      contentType: 'application/json',
      messageId: context.eventId,
      correlationId,
      replyTo: DIRECT_REPLY_TO,
      // Returned (basic.return) when no queue is bound: no manager has declared its queue.
      mandatory: true,
      headers: publishHeaders(),
      ...optionalField('userId', this.#userId),
    };
    try {
      session.channel.publish(this.#exchange, routingKey, body, properties, (err: unknown) => {
        if (err === null || err === undefined) this.#pending.confirm(correlationId);
        else this.#pending.fail(correlationId, busUnavailable(`the broker refused the ${context.event} event`, err));
      });
    } catch (err) {
      // Thrown synchronously: the channel is closing.
      this.#pending.fail(correlationId, busUnavailable(`the ${context.event} event could not be published`, err));
    }
    return reply;
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
      model = await connect(this.#url, {
        clientProperties: { connection_name: `pipelinejobs client (pid ${process.pid}, ${randomUUID().slice(0, 8)})` },
        noDelay: true,
      });
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
        throw busUnavailable(
          `the exchange ${this.#exchange} does not exist: no manager has ` +
            `run with prefix ${this.#prefix} on this broker`,
          err,
        );
      }
      await channel.consume(DIRECT_REPLY_TO, (reply) => reply !== null && this.#onReply(reply), { noAck: true });
      channel.on('return', (returned: Message) => this.#onReturn(returned));
      return session;
    } catch (err) {
      await model.close().catch(() => undefined);
      throw err instanceof PipelineJobsError
        ? err
        : busUnavailable(`cannot open a channel on ${redactUrl(this.#url)}`, err);
    }
  }

  #onReply(message: ConsumeMessage): void {
    const correlationId: unknown = message.properties.correlationId;
    if (typeof correlationId !== 'string') return;
    const pending = this.#pending.take(correlationId);
    if (pending === undefined) return;
    try {
      pending.resolve(pending.context.read(message.content));
    } catch (err) {
      pending.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #onReturn(message: Message): void {
    const correlationId: unknown = message.properties.correlationId;
    if (typeof correlationId !== 'string') return;
    this.#pending.fail(
      correlationId,
      busUnavailable(
        `no queue is bound to ${this.#exchange}: no manager has declared its ` +
          `queue (prefix ${this.#prefix}); the event was dropped`,
      ),
    );
  }

  /** The error of a call whose reply can no longer arrive. */
  #lost(waiting: Waiting<CallContext>, why: string): Error {
    return waiting.confirmed
      ? new VerdictTimeoutError(
          `${why} before the manager replied to the ${waiting.context.event} ` +
            `event: it is on the bus and may still be applied`,
          waiting.context,
        )
      : busUnavailable(`${why} before the broker confirmed the ${waiting.context.event} event`);
  }

  #sessionLost(session: Session): void {
    const current = this.#session;
    if (current === undefined) return;
    void current.then(
      (open) => {
        if (open !== session) return;
        this.#session = undefined;
        // One session at a time, so every waiting call was published on the lost one.
        this.#pending.failWhere((waiting) => this.#lost(waiting, 'the connection to the broker was lost'));
      },
      () => undefined,
    );
  }
}
