import t from 'tap';
import { isPipelineJobsError } from '../../../errors/index.js';
import { CONFIG_KEYS, limitsFromConfig, loadConfig, unknownConfigNames } from '../../../config/index.js';
import { schemaDocuments } from '../../../schemas/index.js';

t.test('defaults apply to an empty environment', (t) => {
  const config = loadConfig({});
  t.same(config, {
    PJM_MONGO_DB: 'pipelinejobs',
    PJM_DATA_DIR: './.pjm',
    PJM_HTTP_PORT: 8080,
    PJM_HTTP_HOST: '127.0.0.1',
    PJM_LOG_LEVEL: 'info',
    PJM_LOG_FORMAT: 'auto',
    PJM_MAX_PAYLOAD_BYTES: 262144,
    PJM_MAX_DEPTH: 32,
    PJM_MAX_KEYS: 10000,
    PJM_TOKEN_TTL_SECONDS: 259200,
    PJM_TOKEN_GRACE_SECONDS: 86400,
    PJM_AMQP_REQUIRE_TOKEN: true,
    PJM_AMQP_PREFIX: 'pipelinejobs',
    PJM_PREFETCH: 100,
    PJM_DEFER_DELAYS_MS: '250,1000,2000,5000,10000,30000',
    PJM_DEAD_LETTERS_SWEEP_MS: 1000,
    PJM_DEBUG: false,
    PJM_REQUIRE_SENDER_AUTH: false,
    PJM_WAIT_TIMEOUT_MS: 10000,
    PJM_CALLBACK_RATE: 20,
    PJM_CALLBACK_BURST: 40,
    PJM_RUBIN_LAUNCHER: 'local',
    PJM_LAUNCH_GRACE_SECONDS: 30,
    PJM_REAPER_PERIOD_SECONDS: 30,
    PJM_URL: 'http://127.0.0.1:8080',
    PJM_PHOTONRANCH_PREFIX: '/photonranch',
    PJM_PHOTONRANCH_PIPELINE: 'photonranch',
    PJM_PHOTONRANCH_CORS_ORIGINS: '*',
    PJM_JWT_ROLES_CLAIM: 'https://photonranch.org/user_metadata',
    API_BASEPATH: '/api/v1',
  });
  t.ok(Object.isFrozen(config));
  t.same(limitsFromConfig(config), { maxBytes: 262144, maxDepth: 32, maxKeys: 10000 });
  t.end();
});

t.test('strings are coerced; unrelated variables and empty values are ignored', (t) => {
  const config = loadConfig({
    PATH: '/usr/bin',
    HOME: '/root',
    PJM_AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
    PJM_MONGO_URL: 'mongodb://127.0.0.1:27017,127.0.0.2:27017/?replicaSet=rs0',
    PJM_SECRET: 's'.repeat(32),
    PJM_HTTP_PORT: '0',
    PJM_HTTP_HOST: '0.0.0.0',
    PJM_LOG_LEVEL: 'debug',
    PJM_MAX_PAYLOAD_BYTES: '1048576',
    PJM_MAX_DEPTH: '64',
    PJM_MAX_KEYS: '500',
    PJM_TOKEN_TTL_SECONDS: '3600',
    PJM_AMQP_REQUIRE_TOKEN: 'false',
    PJM_REQUIRE_SERVICES: '1',
    PJM_TEST_MONGO_URL: 'mongodb://127.0.0.1:27018',
    PJM_MONGO_DB: '',
  });
  t.equal(config.PJM_HTTP_PORT, 0);
  t.equal(config.PJM_MAX_PAYLOAD_BYTES, 1048576);
  t.equal(config.PJM_AMQP_REQUIRE_TOKEN, false);
  t.equal(config.PJM_MONGO_DB, 'pipelinejobs', 'empty means unset');
  t.notOk('PATH' in config);
  t.notOk('PJM_REQUIRE_SERVICES' in config, 'test-suite variables are not settings and not errors');
  t.notOk('PJM_TEST_MONGO_URL' in config);
  t.same(limitsFromConfig(config), { maxBytes: 1048576, maxDepth: 64, maxKeys: 500 });
  for (const [word, value] of [
    ['yes', true],
    ['ON', true],
    ['TRUE', true],
    ['no', false],
    ['0', false],
    ['off', false],
  ] as const) {
    t.equal(loadConfig({ PJM_AMQP_REQUIRE_TOKEN: word }).PJM_AMQP_REQUIRE_TOKEN, value, word);
  }
  t.end();
});

t.test('Rubin aliases', (t) => {
  const rubin = loadConfig({
    API_PORT: '9090',
    API_BASEPATH: '/ocps',
    API_DOMAIN: 'ocps.example.org',
    API_PROTOCOL: 'https',
  });
  t.equal(rubin.PJM_HTTP_PORT, 9090, 'API_PORT stands in for an unset PJM_HTTP_PORT');
  t.equal(rubin.API_PORT, 9090);
  t.equal(rubin.API_BASEPATH, '/ocps');
  t.equal(rubin.API_DOMAIN, 'ocps.example.org');
  t.equal(rubin.API_PROTOCOL, 'https');
  t.equal(loadConfig({ API_PORT: '9090', PJM_HTTP_PORT: '7000' }).PJM_HTTP_PORT, 7000, 'PJM_HTTP_PORT wins');
  t.throws(
    () => loadConfig({ API_PORT: 'http' }),
    { code: 'invalid_config', message: /API_PORT must be integer/ },
    'a bad alias is named as itself',
  );
  t.throws(() => loadConfig({ API_PROTOCOL: 'ftp' }), {
    code: 'invalid_config',
    message: /API_PROTOCOL must be one of: http, https/,
  });
  t.end();
});

t.test('an unset PJM_URL is where a server started with the same variables listens', (t) => {
  t.equal(loadConfig({}).PJM_URL, 'http://127.0.0.1:8080');
  t.equal(loadConfig({ PJM_HTTP_PORT: '9000' }).PJM_URL, 'http://127.0.0.1:9000');
  t.equal(loadConfig({ API_PORT: '9090' }).PJM_URL, 'http://127.0.0.1:9090', 'the Rubin alias too');
  t.equal(loadConfig({ API_PORT: '9090', PJM_HTTP_PORT: '7000' }).PJM_URL, 'http://127.0.0.1:7000');
  t.equal(loadConfig({ PJM_HTTP_HOST: 'jobs.example.org', PJM_HTTP_PORT: '80' }).PJM_URL, 'http://jobs.example.org:80');
  t.equal(
    loadConfig({ PJM_HTTP_HOST: '0.0.0.0' }).PJM_URL,
    'http://127.0.0.1:8080',
    'a wildcard address answers on loopback',
  );
  t.equal(loadConfig({ PJM_HTTP_HOST: '::' }).PJM_URL, 'http://[::1]:8080');
  t.equal(loadConfig({ PJM_HTTP_HOST: '::1', PJM_HTTP_PORT: '9000' }).PJM_URL, 'http://[::1]:9000');
  t.equal(
    loadConfig({ PJM_URL: 'https://jobs.example.org/pjm', PJM_HTTP_PORT: '9000' }).PJM_URL,
    'https://jobs.example.org/pjm',
    'a set PJM_URL wins',
  );
  t.equal(loadConfig({ PJM_URL: '', PJM_HTTP_PORT: '9000' }).PJM_URL, 'http://127.0.0.1:9000', 'empty is unset');
  t.end();
});

t.test('one failure names every bad key and why', (t) => {
  const env = {
    PJM_HTTP_PORT: 'eighty',
    PJM_LOG_LEVEL: 'loud',
    PJM_MAX_KEYS: '0',
    PJM_MAX_DEPTH: '2.5',
    PJM_AMQP_REQUIRE_TOKEN: 'maybe',
    PJM_AMQP_URL: 'http://user:hunter2@broker',
    PJM_MONGO_URL: 'postgres://x',
    PJM_MONGO_DB: 'bad/name',
    PJM_SECRET: 'hunter2',
    API_BASEPATH: 'api',
  };
  try {
    loadConfig(env);
    t.fail('should throw');
  } catch (err) {
    t.ok(isPipelineJobsError(err, 'invalid_config'));
    const message = (err as Error).message;
    const expected: [string, RegExp][] = [
      ['PJM_HTTP_PORT', /PJM_HTTP_PORT must be integer \(got "eighty"\)/],
      ['PJM_LOG_LEVEL', /PJM_LOG_LEVEL must be one of: fatal, error, warn, info, debug, trace, silent \(got "loud"\)/],
      ['PJM_MAX_KEYS', /PJM_MAX_KEYS must be >= 1/],
      ['PJM_MAX_DEPTH', /PJM_MAX_DEPTH must be integer/],
      ['PJM_AMQP_REQUIRE_TOKEN', /PJM_AMQP_REQUIRE_TOKEN must be boolean/],
      ['PJM_AMQP_URL', /PJM_AMQP_URL must match pattern/],
      ['PJM_MONGO_URL', /PJM_MONGO_URL must match pattern/],
      ['PJM_MONGO_DB', /PJM_MONGO_DB must match pattern/],
      ['PJM_SECRET', /PJM_SECRET must NOT have fewer than 16 characters/],
      ['API_BASEPATH', /API_BASEPATH must match pattern/],
    ];
    for (const [, pattern] of expected) t.match(message, pattern);
    const details = (err as { details: { errors: { key: string; reason: string }[] } }).details;
    t.same(
      details.errors.map((e) => e.key).sort(),
      expected.map(([key]) => key).sort(),
      'details list each bad key once',
    );
    t.notMatch(message, /hunter/, 'secrets and URLs are not echoed');
  }
  t.end();
});

t.test('unknown PJM_* names are left for the CLI to warn about', (t) => {
  const tooling = {
    PJM_TEST_AMQP_URL: 'amqp://h',
    PJM_REQUIRE_SERVICES: '1',
    PJM_BENCH_RSS_EVENTS: '9',
    PJM_CACHE_DIR: '/c',
  };
  const env = { PJM_SECERT: 'x', PJM_HTTP_PROT: '1', PJM_CACHE: '/c', ...tooling, PJM_HTTP_PORT: '1', HOME: '/' };
  t.same(
    unknownConfigNames(env),
    ['PJM_CACHE', 'PJM_HTTP_PROT', 'PJM_SECERT'],
    "the tooling's own names are not typos",
  );
  t.equal(loadConfig(env).PJM_HTTP_PORT, 1, 'and they do not stop loading');
  t.end();
});

t.test('CONFIG_KEYS lists the schema properties', (t) => {
  t.same(CONFIG_KEYS, Object.keys(schemaDocuments.config.properties));
  for (const key of CONFIG_KEYS) t.match(key, /^(PJM_[A-Z0-9_]+|API_(PORT|BASEPATH|DOMAIN|PROTOCOL))$/);
  t.ok(Object.isFrozen(CONFIG_KEYS));
  t.end();
});

t.test('the JWT keys of newjob need an audience and an issuer', (t) => {
  t.throws(() => loadConfig({ PJM_JWT_JWKS: '/etc/pjm/jwks.json' }), { code: 'invalid_config' });
  t.throws(() => loadConfig({ PJM_JWT_CERT: '/etc/pjm/auth0.pem', PJM_JWT_AUDIENCE: 'client' }), {
    code: 'invalid_config',
  });
  const config = loadConfig({
    PJM_JWT_JWKS: 'https://photonranch.auth0.com/.well-known/jwks.json',
    PJM_JWT_AUDIENCE: 'client',
    PJM_JWT_ISSUER: 'https://photonranch.auth0.com/',
  });
  t.equal(config.PJM_JWT_AUDIENCE, 'client');
  t.end();
});
