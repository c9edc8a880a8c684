/**
 * One site poller, a process of its own, for test/integration/claims-pollers.test.ts:
 *   claim-poller.ts <url> <nonce> <site> <by> <max> <leaseMs> <start: 1|0>
 * Claims through the client library's HttpTransport and prints one JSON line per job it got,
 * `{"uuid", "until"}`. With start 1 it sends `run` for each job (which ends the lease) and exits
 * after three empty claims in a row; with start 0 it never starts a job and polls until killed,
 * once per lease (as a site polls on an interval: claiming faster than leases run out would keep
 * re-taking the oldest expired jobs, and the newest would wait for a lull).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { HttpTransport } from '../../client/index.js';
import { nodeHttpFetch } from '../../client/node-http-fetch.js';

const [url, nonce, site, by, max, leaseMs, start] = process.argv.slice(2);
if (url === undefined || nonce === undefined || site === undefined || by === undefined || start === undefined)
  throw new Error('usage: claim-poller.ts <url> <nonce> <site> <by> <max> <leaseMs> <start>');

const transport = new HttpTransport({
  url,
  nonce,
  timeoutMs: 120_000,
  retries: 10,
  fetch: async (target, init) => {
    const response = await nodeHttpFetch(target, init).catch((err: unknown) => {
      process.stderr.write(`${by} ${String(target)} failed: ${String(err)}\n`);
      throw err;
    });
    if (response.status !== 200) process.stderr.write(`${by} ${String(target)} answered ${response.status}\n`);
    return response;
  },
});
let empty = 0;
process.on('SIGTERM', () => void transport.close().then(() => process.exit(0)));
while (start === '0' || empty < 3) {
  const jobs = await transport.claim({ site, by, max: Number(max), leaseMs: Number(leaseMs) });
  empty = jobs.length === 0 ? empty + 1 : 0;
  for (const job of jobs) process.stdout.write(`${JSON.stringify({ uuid: job.uuid, until: job.claim.until })}\n`);
  if (start === '1')
    for (const job of jobs) await transport.send({ uuid: job.uuid, token: job.token, name: 'run', id: randomUUID() });
  if (start === '0') await sleep(Number(leaseMs));
  else if (jobs.length === 0) await sleep(50);
}
await transport.close();
