import { HttpApi } from '../client/http-api.js';
import { PipelineJobsError, ERROR_CODES, type ErrorCode } from '../errors/index.js';
import type { Config } from '../config/config.js';

/** Longest wait for one answer of the server. */
const CALL_TIMEOUT_MS = 30_000;

/** The server could not be reached at all (nothing was sent or no answer came). */
export class UnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    const why = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
    super(`cannot reach the pjm server at ${url}: ${why} (is it running? set PJM_URL)`);
    this.name = 'UnreachableError';
  }
}

/** The server's `{error: {code, message, details}}`, with a code this CLI does not know read as `internal_error`. */
function refusalOf(status: number, body: unknown): PipelineJobsError {
  const error =
    (typeof body === 'object' && body !== null
      ? (body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }).error
      : undefined) ?? {};
  const code = (
    error.code !== undefined && Object.hasOwn(ERROR_CODES, error.code) ? error.code : 'internal_error'
  ) as ErrorCode;
  return new PipelineJobsError(code, error.message ?? `HTTP ${status}`, error.details ?? {});
}

/**
 * A running pjm HTTP API, as the command-line commands call it
 * (`PJM_URL`), through the client library's {@link HttpApi}.
 */
export class Api {
  readonly base: string;
  /** Whether calls carry an admin bearer token (the first of `PJM_API_TOKENS`). */
  readonly admin: boolean;
  readonly #http: HttpApi;

  /**
   * The API the environment names: `PJM_URL`, else where `pjm serve` listens with the same
   * variables. Loads the configuration validator, so only a command that calls the server pays for it.
   */
  static async fromEnv(env: Readonly<Record<string, string | undefined>>): Promise<Api> {
    const { loadConfig } = await import('../config/load-config.js');
    return new Api(loadConfig(env));
  }

  /** Sends the first of `PJM_API_TOKENS` as a bearer token and `PJM_NONCE` as `x-nonce`, when set. */
  constructor(config: Readonly<Config>) {
    const bearer = config.PJM_API_TOKENS?.split(',')[0];
    this.#http = new HttpApi({
      url: config.PJM_URL,
      ...(bearer !== undefined && { bearer }),
      ...(config.PJM_NONCE !== undefined && { nonce: config.PJM_NONCE }),
    });
    this.base = this.#http.base;
    this.admin = bearer !== undefined;
  }

  /**
   * One call: resolves with the JSON answer (and its status), throws `PipelineJobsError` with the
   * server's code when it refuses, or {@link UnreachableError}.
   */
  async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<{ status: number; body: T }> {
    const answer = await this.#http.call(method, path, {
      ...(body !== undefined && { body }),
      deadline: Date.now() + CALL_TIMEOUT_MS,
      onDeadline: (last) =>
        new UnreachableError(this.base, last instanceof Error ? last : `no answer within ${CALL_TIMEOUT_MS} ms`),
      onUnreachable: (err) => new UnreachableError(this.base, err),
    });
    if (typeof answer.body !== 'object' || answer.body === null) {
      throw new PipelineJobsError(
        'internal_error',
        `the server at ${this.base} answered ${answer.status} with a body that is not JSON`,
      );
    }
    if (answer.status >= 200 && answer.status < 300) return { status: answer.status, body: answer.body as T };
    throw refusalOf(answer.status, answer.body);
  }

  /** Opens a streamed GET (server-sent events); throws like {@link call}. */
  async stream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    let opened: Awaited<ReturnType<HttpApi['stream']>>;
    try {
      opened = await this.#http.stream(path, signal);
    } catch (err) {
      throw new UnreachableError(this.base, err);
    }
    if ('stream' in opened) return opened.stream;
    throw refusalOf(opened.status, opened.body);
  }
}
