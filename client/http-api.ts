import { setTimeout as sleep } from 'node:timers/promises';
import { busUnavailable } from '../errors/index.js';
import { redactUrl } from '../protocol/redact-url.js';
import { nodeHttpFetch, type HttpFetch } from './node-http-fetch.js';

/** An answer of the server: its status and its body as JSON (or as text when it is not JSON; undefined when empty). */
export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** When a call tries again, and how long each attempt and pause may take. */
export interface RetryPolicy {
  /** Attempts after the first (`Infinity`: until the deadline). */
  readonly retries: number;
  /** Whether an answer with this status is worth another attempt (network errors always are). */
  readonly retryable: (status: number) => boolean;
  /** The pause before attempt `attempt + 1`, given the server's `Retry-After` when it sent one. */
  readonly delayMs: (attempt: number, retryAfter: string | null) => number;
  /** The longest one attempt may take (default: all the time left). */
  readonly attemptTimeoutMs?: number;
  /** A pause that would leave less than this for the next attempt is not taken (default 0). */
  readonly minAttemptMs?: number;
}

const RETRYABLE: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Answers worth retrying: nothing was published (rate limit, bus down) or a proxy lost the bridge. */
export function retryableStatus(status: number): boolean {
  return RETRYABLE.has(status);
}

/** One attempt, no retries. */
export const NO_RETRIES: RetryPolicy = { retries: 0, retryable: retryableStatus, delayMs: () => 0 };

/** Options of one {@link HttpApi.call}. */
export interface CallOptions {
  readonly body?: object | string;
  /** Epoch milliseconds by which the call has ended. */
  readonly deadline: number;
  readonly policy?: RetryPolicy;
  /**
   * The error thrown when the deadline comes first: before an attempt, during one, or when the
   * pause before the next would pass it. `last` is the last answer or network error, if any.
   */
  readonly onDeadline: (last: HttpAnswer | Error | undefined) => Error;
  /** The error thrown when the server cannot be reached and no retry is left (default `bus_unavailable`). */
  readonly onUnreachable?: (err: unknown) => Error;
}

/** Options of {@link HttpApi}. */
export interface HttpApiOptions {
  /** Base URL of the server; may end in a path prefix; a trailing slash is ignored. */
  readonly url: string;
  /** Sent as the `x-nonce` header. */
  readonly nonce?: string;
  /** Sent as `Authorization: Bearer …`. */
  readonly bearer?: string;
  /** Default: {@link nodeHttpFetch} (`node:http`, kept-alive connections). */
  readonly fetch?: HttpFetch;
}

/**
 * The one HTTP client of this tracker's own API (the bridge and the query API), used by
 * {@link HttpTransport}, by the `pjm` commands and by `pjm slurm-mail`: JSON bodies, credentials
 * in headers, a deadline per call and retries as its {@link RetryPolicy} says. Answers of any
 * status are returned; what they mean is the caller's business.
 */
export class HttpApi {
  /** The base URL without its trailing slash. */
  readonly base: string;
  readonly #headers: Record<string, string>;
  readonly #fetch: HttpFetch;
  readonly #closing = new AbortController();

  constructor(options: HttpApiOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.#headers = { accept: 'application/json' };
    if (options.bearer !== undefined) this.#headers['authorization'] = `Bearer ${options.bearer}`;
    if (options.nonce !== undefined) this.#headers['x-nonce'] = options.nonce;
    this.#fetch = options.fetch ?? nodeHttpFetch;
  }

  /** Aborts the calls in flight; later calls fail with `bus_unavailable`. */
  close(): void {
    this.#closing.abort();
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /** Aborts when {@link close} is called: for the caller's own pauses between calls. */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  /** One request to `path` (with its query), retried as `options.policy` says (default: not at all). */
  async call(method: 'GET' | 'POST' | 'DELETE', path: string, options: CallOptions): Promise<HttpAnswer> {
    const policy = options.policy ?? NO_RETRIES;
    const { body, deadline, onDeadline } = options;
    const text = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
    const headers = text === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' };
    let last: HttpAnswer | Error | undefined;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw busUnavailable('the transport is closed');
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw onDeadline(last);
      const timeout = Math.min(remaining, policy.attemptTimeoutMs ?? remaining);
      let retryAfter: string | null = null;
      const attemptSignal = this.#attemptSignal(timeout);
      try {
        const response = await this.#fetch(`${this.base}${path}`, {
          method,
          headers,
          ...(text !== undefined && { body: text }),
          signal: attemptSignal.signal,
        });
        last = { status: response.status, body: await readJson(response) };
        if (!policy.retryable(response.status) || attempt >= policy.retries) return last;
        retryAfter = response.headers.get('retry-after');
      } catch (err) {
        if (this.closed) throw busUnavailable('the transport is closed', err);
        last = err instanceof Error ? err : new Error(String(err));
        if (Date.now() >= deadline) throw onDeadline(last);
        if (attempt >= policy.retries)
          throw options.onUnreachable?.(err) ?? busUnavailable(`cannot reach ${redactUrl(this.base)}`, err);
      } finally {
        attemptSignal.done();
      }
      const delay = policy.delayMs(attempt, retryAfter);
      if (Date.now() + delay + (policy.minAttemptMs ?? 0) >= deadline) throw onDeadline(last);
      await sleep(delay, undefined, { signal: this.#closing.signal }).catch(() => undefined);
    }
  }

  /**
   * A signal that aborts after `timeoutMs` or on {@link close}, and `done` to drop its timer and
   * listener. One controller and one timer per attempt: `AbortSignal.any` with
   * `AbortSignal.timeout` cost a busy client more in timers and garbage than the request itself.
   */
  #attemptSignal(timeoutMs: number): { readonly signal: AbortSignal; readonly done: () => void } {
    const controller = new AbortController();
    const closing = this.#closing.signal;
    const onClose = (): void => controller.abort(closing.reason);
    const timer = setTimeout(
      () => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')),
      timeoutMs,
    );
    closing.addEventListener('abort', onClose, { once: true });
    return {
      signal: controller.signal,
      done: () => {
        clearTimeout(timer);
        closing.removeEventListener('abort', onClose);
      },
    };
  }

  /** Opens a streamed GET (server-sent events): the stream, or the answer when it is not one. */
  async stream(
    path: string,
    signal: AbortSignal,
  ): Promise<{ readonly stream: ReadableStream<Uint8Array> } | HttpAnswer> {
    const response = await fetch(`${this.base}${path}`, {
      headers: { ...this.#headers, accept: 'text/event-stream' },
      signal,
    });
    if (response.ok && response.body !== null) return { stream: response.body };
    return { status: response.status, body: await readJson(response) };
  }
}

/** The body as JSON, or its text when it is not JSON (a proxy's error page), or undefined when empty. */
async function readJson(response: { text(): Promise<string> }): Promise<unknown> {
  const text = await response.text().catch(() => '');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
