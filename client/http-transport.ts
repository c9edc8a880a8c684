import { setTimeout as sleep } from 'node:timers/promises';
import { busUnavailable } from '../errors/index.js';
import { jobCallbacks, type JobCallbacks } from '../protocol/callback-urls.js';
import { redactUrl } from '../protocol/redact-url.js';
import { HttpApi, retryableStatus, type HttpAnswer, type RetryPolicy } from './http-api.js';
import type { HttpFetch } from './node-http-fetch.js';
import type {
  ClaimedJob,
  ClaimJobsRequest,
  ClientEvent,
  CreatedJob,
  CreateJobRequest,
  EventVerdict,
  JobSnapshot,
  PipelineJobsTransport,
} from './transport.js';
import { VerdictTimeoutError } from './verdict-timeout-error.js';
import {
  isObject,
  optionalField,
  optionalNumber,
  optionalObject,
  optionalString,
  refusal,
  stateField,
  stringField,
  unexpected,
} from './wire.js';

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** Base URL of the bridge (`pjm serve` or `pjm bridge`), e.g. `http://127.0.0.1:8080`; may end in a path prefix. */
  readonly url: string;
  /** A sender nonce (`pjm nonce create`), sent as the `x-nonce` header; each call spends one use. */
  readonly nonce?: string;
  /** An admin bearer token (`PJM_API_TOKENS`): needed for `reset` and `ready`, accepted everywhere. */
  readonly bearer?: string;
  /**
   * Longest time one call may take, retries and the wait for a pending verdict included
   * (default 30 000 ms). Past it an event call fails with a {@link VerdictTimeoutError}.
   */
  readonly timeoutMs?: number;
  /** Retries of a call answered 429/502/503/504 or failed on the network (default 3). */
  readonly retries?: number;
  /** Base of the callback URLs built on `PipelineJob.load` (default: `url`). Creates use the bridge's own answer. */
  readonly callbackBase?: string;
  /** A nonce to embed in the callback URLs built on `load` (none by default). */
  readonly callbackNonce?: string;
  /** The `fetch` to use (default: `node:http` with kept-alive connections; the global `fetch` fits too). */
  readonly fetch?: HttpFetch;
}

/** First delay between retries; doubled each time, with full jitter. */
const BACKOFF_MS = 200;

/** Longest honoured `Retry-After`; the call's own deadline bounds it too. */
const MAX_RETRY_AFTER_MS = 5000;

/** Polling of a pending verdict: from 100 ms, doubling up to 2 s. */
const POLL_INITIAL_MS = 100;
const POLL_MAX_MS = 2000;

/** The deadline of one call ran out while a request was in flight or about to be made. */
class DeadlineExceeded extends Error {}

/**
 * {@link PipelineJobsTransport} over the HTTP bridge.
 *
 * - `create` is `POST /jobs?wait=1`; events are `POST /events?wait=1` with the JSON body
 *   `{uuid, name, token, data, id}`. The client picks each event's `id` (uuid v4) and re-sends the
 *   same id when it retries, so a retried event is applied once.
 * - Retries: on 429, 502, 503, 504 and network errors, up to `retries` times with exponential
 *   backoff (full jitter; a `Retry-After` up to 5 s is honoured), within `timeoutMs`.
 * - **Pending**: when the manager gives no verdict within the bridge's wait (`202 pending`: the
 *   event is on the bus, e.g. waiting for a predecessor), the transport polls
 *   `GET /jobs/:uuid/history` until the event's id appears there and answers the job's state
 *   then. If it has not appeared by the deadline, the call fails with a {@link VerdictTimeoutError}:
 *   the event may still apply, or be dead-lettered (the bridge cannot say which).
 * - Refusals are thrown as `PipelineJobsError` with the bridge's code (`illegal_transition`,
 *   `token_invalid`, `credentials_missing` …); an unreachable bridge as `bus_unavailable`.
 */
export class HttpTransport implements PipelineJobsTransport {
  readonly kind = 'http' as const;
  readonly #api: HttpApi;
  readonly #timeoutMs: number;
  readonly #policy: RetryPolicy;
  readonly #callbackBase: string;
  readonly #callbackNonce: string | undefined;

  constructor(options: HttpTransportOptions) {
    this.#api = new HttpApi({
      url: options.url,
      ...optionalField('nonce', options.nonce),
      ...optionalField('bearer', options.bearer),
      ...optionalField('fetch', options.fetch),
    });
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#policy = { retries: options.retries ?? 3, retryable: retryableStatus, delayMs: backoff };
    this.#callbackBase = options.callbackBase ?? options.url;
    this.#callbackNonce = options.callbackNonce;
  }

  async create(request: CreateJobRequest): Promise<CreatedJob> {
    const deadline = Date.now() + this.#timeoutMs;
    const answer = await this.#call(
      'POST',
      '/jobs?wait=1',
      request,
      deadline,
      () => new VerdictTimeoutError(this.#late('create'), { event: 'create', eventId: '' }),
    );
    const body = this.#accepted(answer, 'the create answer', { pipeline: request.pipeline });
    const uuid = stringField(body, 'uuid', 'the create answer');
    const eventId = optionalString(body, 'eventId') ?? '';
    const created = {
      uuid,
      token: stringField(body, 'token', 'the create answer'),
      pipeline: optionalString(body, 'pipeline') ?? request.pipeline,
      existed: answer.status === 200,
      ...optionalField('archivePath', optionalString(body, 'archivePath')),
      ...optionalField('callbacks', optionalObject(body, 'callbacks') as JobCallbacks | undefined),
    };
    if (answer.status === 202) {
      // The create is on the bus but the manager has not decided yet: wait for the job to exist.
      const job = await this.#poll(deadline, async () => {
        const read = await this.#call('GET', `/jobs/${uuid}`, undefined, deadline, () => new DeadlineExceeded());
        return read.status === 404 ? undefined : this.#accepted(read, 'the job', { uuid });
      }).catch((err: unknown) => {
        throw err instanceof DeadlineExceeded
          ? new VerdictTimeoutError(this.#late('create'), { uuid, event: 'create', eventId })
          : err;
      });
      return {
        ...created,
        state: stateField(job, 'the job'),
        ...optionalField('version', optionalNumber(job, 'version')),
      };
    }
    return {
      ...created,
      state: stateField(body, 'the create answer'),
      ...optionalField('version', optionalNumber(body, 'version')),
    };
  }

  async send(event: ClientEvent): Promise<EventVerdict> {
    const deadline = Date.now() + this.#timeoutMs;
    const context = { uuid: event.uuid, event: event.name, eventId: event.id };
    const late = (): VerdictTimeoutError => new VerdictTimeoutError(this.#late(event.name), context);
    const message = {
      uuid: event.uuid,
      name: event.name,
      token: event.token,
      id: event.id,
      ...(event.data !== undefined && { data: event.data }),
    };
    const answer = await this.#call('POST', '/events?wait=1', message, deadline, late);
    const body = this.#accepted(answer, 'the event answer', { uuid: event.uuid, eventId: event.id });
    if (answer.status !== 202) {
      return {
        state: stateField(body, 'the event answer'),
        duplicate: body['status'] === 'duplicate',
        ...optionalField('version', optionalNumber(body, 'version')),
      };
    }
    // Pending: the event is on the bus; its history entry (same id) tells when it applied.
    const id = event.id.toLowerCase();
    const found = await this.#poll(deadline, async () => {
      const read = await this.#call(
        'GET',
        `/jobs/${event.uuid}/history`,
        undefined,
        deadline,
        () => new DeadlineExceeded(),
      );
      const job = this.#accepted(read, 'the job history', { uuid: event.uuid });
      const history = job['history'];
      if (!Array.isArray(history)) throw unexpected('the job history has no history', job);
      return history.some(
        (entry) => isObject(entry) && typeof entry['id'] === 'string' && entry['id'].toLowerCase() === id,
      )
        ? job
        : undefined;
    }).catch((err: unknown) => {
      throw err instanceof DeadlineExceeded ? late() : err;
    });
    return {
      state: stateField(found, 'the job history'),
      duplicate: false,
      ...optionalField('version', optionalNumber(found, 'version')),
    };
  }

  /**
   * `POST /claims` (with the transport's credential: a site key for its own site, or a bearer
   * token). A claim answered 504 `claim_pending` is retried like any 504 as a new claim; jobs the
   * unanswered one took come back when their lease ends. The lease travels in whole seconds, rounded up.
   */
  async claim(request: ClaimJobsRequest): Promise<readonly ClaimedJob[]> {
    const deadline = Date.now() + this.#timeoutMs;
    const body = {
      site: request.site,
      ...optionalField('queue', request.queue),
      ...optionalField('max', request.max),
      ...optionalField('lease', request.leaseMs === undefined ? undefined : Math.ceil(request.leaseMs / 1000)),
      ...optionalField('by', request.by),
    };
    const answer = await this.#call('POST', '/claims', body, deadline, () =>
      busUnavailable(
        `the bridge at ${redactUrl(this.#api.base)} did not answer the claim within ${this.#timeoutMs} ms`,
      ),
    );
    const jobs = this.#accepted(answer, 'the claim answer', { site: request.site })['jobs'];
    if (!Array.isArray(jobs)) throw unexpected('the claim answer has no jobs', answer.body);
    return jobs as ClaimedJob[];
  }

  async release(uuid: string, by?: string): Promise<EventVerdict> {
    const deadline = Date.now() + this.#timeoutMs;
    const answer = await this.#call('POST', '/claims/release', { uuid, ...optionalField('by', by) }, deadline, () =>
      busUnavailable(
        `the bridge at ${redactUrl(this.#api.base)} did not answer the release within ${this.#timeoutMs} ms`,
      ),
    );
    const body = this.#accepted(answer, 'the release answer', { uuid });
    return {
      state: stateField(body, 'the release answer'),
      duplicate: body['status'] === 'duplicate',
      ...optionalField('version', optionalNumber(body, 'version')),
    };
  }

  async describe(uuid: string, token: string): Promise<JobSnapshot> {
    const deadline = Date.now() + this.#timeoutMs;
    const answer = await this.#call('GET', `/jobs/${encodeURIComponent(uuid)}`, undefined, deadline, () =>
      busUnavailable(`the bridge at ${redactUrl(this.#api.base)} did not answer within ${this.#timeoutMs} ms`),
    );
    const job = this.#accepted(answer, 'the job', { uuid });
    return {
      uuid: stringField(job, 'uuid', 'the job'),
      state: stateField(job, 'the job'),
      callbacks: this.#callbacks(uuid, token),
      ...optionalField('pipeline', optionalString(job, 'pipeline')),
      ...optionalField('data', optionalObject(job, 'data')),
      ...optionalField('version', optionalNumber(job, 'version')),
      ...optionalField('archivePath', optionalString(job, 'archivePath')),
    };
  }

  /** Aborts the calls in flight; later calls fail with `bus_unavailable`. */
  async close(): Promise<void> {
    this.#api.close();
  }

  #callbacks(uuid: string, token: string): JobCallbacks {
    return jobCallbacks({ base: this.#callbackBase, uuid, token, ...optionalField('nonce', this.#callbackNonce) });
  }

  #late(event: string): string {
    return (
      `no verdict on the ${event} event within ${this.#timeoutMs} ms: it ` +
      `may have reached the bus and may still be applied`
    );
  }

  /** A 2xx answer's body; anything else becomes the bridge's error. */
  #accepted(answer: HttpAnswer, what: string, details: Readonly<Record<string, unknown>>): Record<string, unknown> {
    if (answer.status >= 200 && answer.status < 300) {
      if (!isObject(answer.body)) throw unexpected(`${what} is not a JSON object`, answer.body);
      return answer.body;
    }
    if (isObject(answer.body) && isObject(answer.body['error'])) throw refusal(answer.body['error'], details);
    throw unexpected(`HTTP ${answer.status} from ${redactUrl(this.#api.base)}`, answer.body);
  }

  /**
   * One request, retried on 429/502/503/504 and network errors (same body, so the same event id).
   * `onDeadline` makes the error thrown when the deadline passes first.
   */
  #call(
    method: 'GET' | 'POST',
    path: string,
    body: object | undefined,
    deadline: number,
    onDeadline: () => Error,
  ): Promise<HttpAnswer> {
    return this.#api.call(method, path, {
      ...optionalField('body', body),
      deadline,
      policy: this.#policy,
      onDeadline,
      onUnreachable: (err) => busUnavailable(`cannot reach the bridge at ${redactUrl(this.#api.base)}`, err),
    });
  }

  /** Calls `read` until it gives a value, with growing pauses; throws DeadlineExceeded past `deadline`. */
  async #poll<T>(deadline: number, read: () => Promise<T | undefined>): Promise<T> {
    for (let pause = POLL_INITIAL_MS; ; pause = Math.min(POLL_MAX_MS, pause * 2)) {
      const value = await read();
      if (value !== undefined) return value;
      if (this.#api.closed) throw busUnavailable('the transport is closed');
      const wait = Math.min(pause, deadline - Date.now());
      if (wait <= 0) throw new DeadlineExceeded();
      await sleep(wait, undefined, { signal: this.#api.closing }).catch(() => undefined);
    }
  }
}

/** The pause before a retry: the bridge's `Retry-After` (up to 5 s), else exponential backoff with full jitter. */
function backoff(attempt: number, retryAfter: string | null): number {
  const asked = retryAfter === null ? Number.NaN : Number(retryAfter) * 1000;
  return Number.isFinite(asked) && asked >= 0
    ? Math.min(asked, MAX_RETRY_AFTER_MS)
    : Math.random() * BACKOFF_MS * 2 ** attempt;
}
