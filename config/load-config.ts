import { PipelineJobsError } from '../errors/index.js';
import { createAjv } from '../schemas/create-ajv.js';
import { describeAllErrors } from '../schemas/format-error.js';
import type { PayloadLimits } from '../schemas/payload-guard.js';
import { schemaDocuments } from '../schemas/schema-documents.js';
import type { Config } from './config.js';

const validateConfig = createAjv('config').compile<Config>(schemaDocuments.config);

const CONFIG_PROPERTIES: Readonly<Record<string, { type?: string }>> = schemaDocuments.config.properties;

/** The environment variable names the configuration schema declares. */
export const CONFIG_KEYS: readonly string[] = Object.freeze(Object.keys(CONFIG_PROPERTIES));

// Values that may hold credentials are never echoed back in error messages.
const SECRET_KEY = /SECRET|_URL$|PASSWORD|TOKENS?$|NONCE$/;

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/**
 * Reads exactly the declared names: other PJM_* variables exist that are not product settings
 * (the test suites' PJM_TEST_*_URL, PJM_REQUIRE_SERVICES, script knobs), so an unknown name
 * cannot be an error; {@link unknownConfigNames} lets the CLI warn about likely typos instead.
 * Empty values count as unset, as docker-compose's `${VAR:-}` produces them.
 */
function pickKnownNames(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    picked[key] = CONFIG_PROPERTIES[key]?.type === 'boolean' ? normalizeBoolean(value) : value;
  }
  return picked;
}

// ajv coerces only "true"/"false"; shells and compose files also write 1/0, yes/no, on/off.
function normalizeBoolean(value: string): string {
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return 'true';
  if (FALSE_WORDS.has(word)) return 'false';
  return value;
}

function shown(key: string, env: Readonly<Record<string, string | undefined>>): string {
  const value = env[key];
  if (value === undefined || SECRET_KEY.test(key)) return '';
  return ` (got ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)})`;
}

/**
 * Reads the configuration from environment variables: picks the names `config.schema.json`
 * declares (`PJM_*` and the Rubin aliases), coerces types, applies defaults, maps `API_PORT` onto `PJM_HTTP_PORT` when the latter
 * is unset, points an unset `PJM_URL` at `PJM_HTTP_HOST:PJM_HTTP_PORT` (so a client and a server
 * started with the same variables meet), and freezes the result.
 *
 * @param env - usually `process.env`.
 * @throws PipelineJobsError `invalid_config`; the message lists every bad key and why, and
 *   `details.errors` holds `{key, reason}` for each.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Readonly<Config> {
  const config = pickKnownNames(env);
  const portGiven = config['PJM_HTTP_PORT'] !== undefined;
  const urlGiven = config['PJM_URL'] !== undefined;
  if (!validateConfig(config)) {
    const errors = describeAllErrors(validateConfig.errors ?? []);
    const lines = errors.map(({ key, reason }) => `${key} ${reason}${shown(key, env)}`);
    throw new PipelineJobsError('invalid_config', `invalid configuration: ${lines.join('; ')}`, { errors });
  }
  if (!portGiven && config.API_PORT !== undefined) {
    config.PJM_HTTP_PORT = config.API_PORT;
  }
  if (!urlGiven) config.PJM_URL = serverUrl(config.PJM_HTTP_HOST, config.PJM_HTTP_PORT);
  return Object.freeze(config);
}

/** Where a client on this host reaches a server listening on `host:port` (a wildcard address answers on loopback). */
function serverUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * `PJM_*` names the repository's own tooling reads, not the service: the test suites
 * (`PJM_TEST_*`, `PJM_REQUIRE_SERVICES`), the benchmarks (`PJM_BENCH_*`) and the install and CI
 * scripts' cache (`PJM_CACHE_DIR`), which `.ci/run` exports to everything it starts.
 */
const TOOLING_NAME = /^PJM_(TEST_|BENCH_|REQUIRE_SERVICES$|CACHE_DIR$)/;

/**
 * `PJM_*` names in `env` that the configuration does not declare and that the repository's tooling
 * does not read either: most likely typos, worth a warning at start.
 */
export function unknownConfigNames(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.keys(env)
    .filter((key) => key.startsWith('PJM_') && !Object.hasOwn(CONFIG_PROPERTIES, key) && !TOOLING_NAME.test(key))
    .sort();
}

/** The payload limits a validated configuration asks for. */
export function limitsFromConfig(config: Readonly<Config>): PayloadLimits {
  return Object.freeze({
    maxBytes: config.PJM_MAX_PAYLOAD_BYTES,
    maxDepth: config.PJM_MAX_DEPTH,
    maxKeys: config.PJM_MAX_KEYS,
  });
}
