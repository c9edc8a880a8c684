/** pino log levels accepted by `PJM_LOG_LEVEL`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Log formats accepted by `PJM_LOG_FORMAT`: `auto` is `pretty` on a terminal, else `json`. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * Validated configuration (`schemas/config.schema.json`), keyed by environment variable name so that the
 * schema, docker-compose and the docs use one vocabulary. Defaults are applied; `PJM_HTTP_PORT`
 * already reflects `API_PORT` when only the alias was set, and `PJM_URL` that port when unset.
 */
export interface Config {
  PJM_AMQP_URL?: string;
  PJM_MONGO_URL?: string;
  PJM_MONGO_DB: string;
  PJM_DATA_DIR: string;
  PJM_SECRET?: string;
  PJM_HTTP_PORT: number;
  PJM_HTTP_HOST: string;
  PJM_LOG_LEVEL: LogLevel;
  PJM_LOG_FORMAT: LogFormat;
  PJM_MAX_PAYLOAD_BYTES: number;
  PJM_MAX_DEPTH: number;
  PJM_MAX_KEYS: number;
  PJM_TOKEN_TTL_SECONDS: number;
  PJM_TOKEN_GRACE_SECONDS: number;
  PJM_AMQP_REQUIRE_TOKEN: boolean;
  PJM_AMQP_PREFIX: string;
  PJM_PREFETCH: number;
  PJM_DEFER_DELAYS_MS: string;
  PJM_DEAD_LETTERS_SWEEP_MS: number;
  PJM_METRICS_PORT?: number;
  PJM_DEBUG: boolean;
  PJM_API_TOKENS?: string;
  PJM_REQUIRE_SENDER_AUTH: boolean;
  PJM_PUBLIC_URL?: string;
  PJM_WAIT_TIMEOUT_MS: number;
  PJM_CALLBACK_RATE: number;
  PJM_CALLBACK_BURST: number;
  PJM_PIPELINES?: string;
  PJM_PIPELINES_STRICT?: boolean;
  PJM_RUBIN_LAUNCHER: 'local' | 'slurm';
  PJM_LAUNCH_GRACE_SECONDS: number;
  PJM_DISPATCHER_ID?: string;
  PJM_REAPER_PERIOD_SECONDS: number;
  PJM_URL: string;
  PJM_NONCE?: string;
  PJM_LOG_ROOT?: string;
  PJM_PHOTONRANCH_PREFIX: string;
  PJM_PHOTONRANCH_PIPELINE: string;
  PJM_PHOTONRANCH_CORS_ORIGINS: string;
  PJM_JWT_JWKS?: string;
  PJM_JWT_CERT?: string;
  PJM_JWT_AUDIENCE?: string;
  PJM_JWT_ISSUER?: string;
  PJM_JWT_ROLES_CLAIM: string;
  API_PORT?: number;
  API_BASEPATH: string;
  API_DOMAIN?: string;
  API_PROTOCOL?: 'http' | 'https';
}
