import { PipelineJobsError, ERROR_CODES, type ErrorCode } from '../errors/index.js';
import type { Config } from '../config/config.js';

/** The server could not be reached at all (nothing was sent or no answer came). */
export class UnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    const why = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
    super(`cannot reach the pjm server at ${url}: ${why} (is it running? set PJM_URL)`);
    this.name = 'UnreachableError';
  }
}

/** A running pjm HTTP API, as the command-line commands call it (`PJM_URL`). */
export class Api {
  readonly base: string;
  /** Whether calls carry an admin bearer token (the first of `PJM_API_TOKENS`). */
  readonly admin: boolean;
  readonly #headers: Record<string, string>;

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
    this.base = config.PJM_URL.replace(/\/+$/, '');
    const bearer = config.PJM_API_TOKENS?.split(',')[0];
    this.admin = bearer !== undefined;
    this.#headers = {
      ...(bearer !== undefined && { authorization: `Bearer ${bearer}` }),
      ...(config.PJM_NONCE !== undefined && { 'x-nonce': config.PJM_NONCE }),
    };
  }

  /**
   * One call: resolves with the JSON answer (and its status), throws `PipelineJobsError` with the
   * server's code when it refuses, or {@link UnreachableError}.
   */
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { ...this.#headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new UnreachableError(this.base, err);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PipelineJobsError('internal_error', `the server at ${this.base} answered ${res.status} with a body that is not JSON`);
    }
    if (res.ok) return { status: res.status, body: json as T };
    const error = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }).error;
    const code = (error?.code !== undefined && Object.hasOwn(ERROR_CODES, error.code) ? error.code : 'internal_error') as ErrorCode;
    throw new PipelineJobsError(code, error?.message ?? `HTTP ${res.status}`, error?.details ?? {});
  }

  /** Opens a streamed GET (server-sent events); throws like {@link call}. */
  async stream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { headers: { ...this.#headers, accept: 'text/event-stream' }, signal });
    } catch (err) {
      throw new UnreachableError(this.base, err);
    }
    if (!res.ok || res.body === null) {
      const error = ((await res.json().catch(() => ({}))) as { error?: { code?: ErrorCode; message?: string } }).error;
      throw new PipelineJobsError(error?.code ?? 'internal_error', error?.message ?? `HTTP ${res.status}`);
    }
    return res.body;
  }
}
