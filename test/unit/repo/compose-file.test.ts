import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';
import { checkHttpHost } from '../../../app/start-http.js';
import { loadConfig } from '../../../config/index.js';
import { servicesRequired } from '../../helpers/services.js';

// The production deployment files, read as text: docker-compose.yml (parsed with `yaml`, merge
// keys resolved as docker-compose does) and the Dockerfile.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const APP_SERVICES = ['manager', 'bridge'] as const;

/** What `.ci/run` and this test give the compose file for its required `${VAR:?…}` variables. */
const PLACEHOLDERS: Readonly<Record<string, string>> = {
  PJM_SECRET: 'ci-placeholder-secret-0123',
  PJM_API_TOKENS: 'ci-placeholder-token-0123456789',
  RABBITMQ_PASSWORD: 'ci-placeholder-rabbitmq-password',
  MONGO_PASSWORD: 'ci-placeholder-mongo-password',
};

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  healthcheck?: { test?: unknown; disable?: boolean };
  deploy?: { replicas?: number };
  scale?: number;
  ports?: unknown[];
  depends_on?: Record<string, { condition?: string }> | string[];
  restart?: string;
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services?: Record<string, Service>;
};
const services = compose.services ?? {};
const configKeys = Object.keys(
  (
    JSON.parse(readFileSync(join(ROOT, 'schemas/config.schema.json'), 'utf8')) as {
      properties: Record<string, unknown>;
    }
  ).properties,
);

/** A service's environment as name → raw (uninterpolated) value, from the map or the list form. */
function environmentOf(service: Service | undefined): Record<string, string> {
  const env = service?.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '',
    ]),
  );
}

/** docker-compose's interpolation, for the forms this file uses: $$, ${X}, ${X:-default}, ${X:?error}. */
function interpolate(value: string, vars: Readonly<Record<string, string>>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
      if (whole === '$$') return '$';
      const set = vars[name ?? ''];
      const empty = set === undefined || (op?.startsWith(':') === true && set === '');
      if (op?.endsWith('?') === true && empty) throw new Error(`${name}: ${arg}`);
      if (op?.endsWith('-') === true && empty) return arg ?? '';
      return set ?? '';
    },
  );
}

t.test('the services rabbitmq, mongo, manager and bridge exist', (t) => {
  for (const name of ['rabbitmq', 'mongo', ...APP_SERVICES]) t.ok(services[name], `service ${name}`);
  t.end();
});

t.test("manager and bridge build this repository's image and run the matching pjm command", (t) => {
  for (const name of APP_SERVICES) {
    const service = services[name];
    t.equal(service?.build, '.', `${name} builds from the Dockerfile`);
    t.equal(service?.image, 'pipelinejobs:latest', `${name} image`);
    t.same([service?.command].flat(), [name], `${name} runs pjm ${name}`);
    t.equal(service?.restart, 'unless-stopped', `${name} restarts`);
    const dependsOn = service?.depends_on;
    t.ok(dependsOn !== undefined && !Array.isArray(dependsOn), `${name} uses the long depends_on form`);
    for (const dep of ['rabbitmq', 'mongo']) {
      t.equal(
        (dependsOn as Record<string, { condition?: string }> | undefined)?.[dep]?.condition,
        'service_healthy',
        `${name} waits for a healthy ${dep}`,
      );
    }
  }
  t.end();
});

t.test('manager and bridge are configured only through names of schemas/config.schema.json', (t) => {
  for (const name of APP_SERVICES) {
    const names = Object.keys(environmentOf(services[name]));
    t.ok(names.length > 0, `${name} has an environment`);
    for (const variable of names)
      t.ok(configKeys.includes(variable), `${name}: ${variable} is a config.schema.json property`);
  }
  t.end();
});

t.test('the configuration each app service gets loads, and the bridge may listen beyond loopback', (t) => {
  for (const name of APP_SERVICES) {
    const env = Object.fromEntries(
      Object.entries(environmentOf(services[name])).map(([k, v]) => [k, interpolate(v, PLACEHOLDERS)]),
    );
    const config = loadConfig(env);
    t.ok(
      config.PJM_AMQP_URL !== undefined && config.PJM_MONGO_URL !== undefined,
      `${name}: production mode (RabbitMQ + MongoDB)`,
    );
    t.ok(config.PJM_SECRET !== undefined, `${name}: PJM_SECRET set`);
    if (name === 'bridge') {
      t.doesNotThrow(() => checkHttpHost(config), 'the bridge passes the listen-address check');
      t.not(config.PJM_HTTP_HOST, '127.0.0.1', 'the bridge listens beyond loopback');
      t.ok(
        (services[name]?.ports ?? []).map(String).some((p) => p.endsWith(`:${config.PJM_HTTP_PORT}`)),
        `the bridge publishes its HTTP port ${config.PJM_HTTP_PORT}`,
      );
    } else {
      t.ok(config.PJM_METRICS_PORT !== undefined, 'the manager serves /metrics (its health check)');
    }
  }
  t.end();
});

t.test('secrets have no defaults: without them the file does not interpolate', (t) => {
  const required = ['PJM_SECRET', 'RABBITMQ_PASSWORD', 'MONGO_PASSWORD'] as const;
  for (const name of APP_SERVICES) {
    const env = environmentOf(services[name]);
    const needed = name === 'bridge' ? [...required, 'PJM_API_TOKENS'] : required;
    for (const variable of needed) {
      const rest = Object.fromEntries(Object.entries(PLACEHOLDERS).filter(([key]) => key !== variable));
      t.throws(
        () => Object.values(env).forEach((v) => interpolate(v, rest)),
        new RegExp(`^${variable}: `),
        `${name} needs ${variable}`,
      );
    }
  }
  t.end();
});

t.test('the manager runs two replicas', (t) => {
  t.equal(services['manager']?.deploy?.replicas ?? services['manager']?.scale, 2);
  t.end();
});

t.test('every service has a health check', (t) => {
  for (const [name, service] of Object.entries(services)) {
    t.ok(
      Array.isArray(service.healthcheck?.test) && service.healthcheck?.disable !== true,
      `${name} has a healthcheck test`,
    );
  }
  t.end();
});

t.test("the Dockerfile's final stage runs as a user other than root", (t) => {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const lastFrom = lines.findLastIndex((line) => /^FROM\s/i.test(line));
  t.ok(lastFrom > 0, 'a multi-stage build');
  const finalStage = lines.slice(lastFrom);
  const user = finalStage
    .filter((line) => /^USER\s/i.test(line))
    .at(-1)
    ?.split(/\s+/)[1];
  t.ok(user !== undefined, 'the final stage sets USER');
  const uid = user?.split(':')[0];
  t.not(uid, 'root', `USER ${user} is not root by name`);
  t.not(uid, '0', `USER ${user} is not uid 0`);
  t.ok(
    finalStage.some((line) => /^HEALTHCHECK\s+/i.test(line) && !/NONE$/i.test(line)),
    'the final stage has a HEALTHCHECK',
  );
  t.ok(
    finalStage.some((line) => line === 'ENTRYPOINT ["node", "bin/pjm.js"]'),
    'ENTRYPOINT runs bin/pjm.js',
  );
  t.end();
});

const dockerCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
const noCompose =
  dockerCompose.error !== undefined
    ? `docker-compose is not on PATH (apt-get install -y --no-install-recommends docker-compose; .ci/run installs it)`
    : undefined;
if (noCompose !== undefined && servicesRequired()) throw new Error(`PJM_REQUIRE_SERVICES=1 but ${noCompose}`);

t.test(
  'docker-compose config -q accepts the file with the secrets set, and refuses it without',
  { skip: noCompose ?? false },
  (t) => {
    // An empty env file, so that a developer's .env neither helps nor hurts; secrets removed from the
    // inherited environment.
    const dir = mkdtempSync(join(tmpdir(), 'pjm-compose-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const envFile = join(dir, 'empty.env');
    writeFileSync(envFile, '');
    const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !(name in PLACEHOLDERS)));
    const run = (extra: Record<string, string>) =>
      spawnSync('docker-compose', ['--env-file', envFile, '-f', join(ROOT, 'docker-compose.yml'), 'config', '-q'], {
        cwd: ROOT,
        env: { ...base, ...extra },
        encoding: 'utf8',
        timeout: 60_000,
      });

    const valid = run({ ...PLACEHOLDERS });
    t.equal(valid.status, 0, `exit 0 with placeholders${valid.stderr ? `: ${valid.stderr}` : ''}`);

    const missing = run({});
    t.not(missing.status, 0, 'non-zero without the required variables');
    t.match(
      missing.stderr,
      /set (PJM_SECRET|PJM_API_TOKENS|RABBITMQ_PASSWORD|MONGO_PASSWORD)/,
      'the message names a missing variable',
    );
    t.end();
  },
);
