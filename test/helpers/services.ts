/** Environment variables that point the integration and contract suites at real services. */
export type ServiceVariable = 'PJM_TEST_MONGO_URL' | 'PJM_TEST_AMQP_URL';

const HOW_TO: Record<ServiceVariable, string> = {
  PJM_TEST_MONGO_URL:
    'set PJM_TEST_MONGO_URL to a MongoDB-wire server (bash scripts/ferretdb.sh start; .ci/run does this)',
  PJM_TEST_AMQP_URL: 'set PJM_TEST_AMQP_URL to a RabbitMQ server, e.g. amqp://guest:guest@127.0.0.1:5672',
};

/** True when CI demands that every service-backed suite really runs. */
export function servicesRequired(): boolean {
  return process.env['PJM_REQUIRE_SERVICES'] === '1';
}

/**
 * The URL of a service for a suite, or a reason to skip it. With PJM_REQUIRE_SERVICES=1 a missing
 * URL is an error instead of a skip, so a green CI always means the service was exercised.
 */
export function serviceUrl(variable: ServiceVariable): { url: string } | { skip: string } {
  const url = process.env[variable];
  if (url !== undefined && url !== '') return { url };
  if (servicesRequired()) throw new Error(`PJM_REQUIRE_SERVICES=1 but ${variable} is not set: ${HOW_TO[variable]}`);
  return { skip: `${variable} is not set: ${HOW_TO[variable]}` };
}

/** A name unique to this test process, for throwaway databases, queues and exchanges. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
