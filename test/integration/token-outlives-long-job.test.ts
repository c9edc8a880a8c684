import t from 'tap';
import { JobTokens } from '../../model/job-tokens.js';
import { ADMIN_TOKEN, startHttpRig } from '../helpers/http-rig.js';
import { TEST_SECRET } from '../helpers/manager-rig.js';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

t.test(
  'a Slurm job queued four days and running two still reports; its token dies a grace period after the end',
  async (t) => {
    const start = new Date('2026-12-01T00:00:00.000Z');
    let now = start;
    const at = (ms: number): void => {
      now = new Date(start.getTime() + ms);
    };
    const tokens = new JobTokens(TEST_SECRET, 72 * 3600, 24 * 3600);
    const rig = await startHttpRig({ manager: true, clock: () => now, tokens });
    t.teardown(() => rig.close());
    const post = (url: string, headers: Record<string, string> = {}) =>
      rig.app.inject({ method: 'POST', url, headers });

    const created = (
      await rig.app.inject({ method: 'POST', url: '/jobs?wait=1', payload: { pipeline: 'slurm-week', data: { n: 1 } } })
    ).json<{ uuid: string; token: string }>();
    const event = (name: string): string => `/events?uuid=${created.uuid}&token=${created.token}&event=${name}&wait=1`;

    at(4 * DAY);
    const began = await post(event('run'));
    t.equal(began.statusCode, 200, `Began after four days in the queue: ${began.body}`);
    at(6 * DAY);
    t.match((await post(event('finish'))).json(), { state: 'FINISHED' }, 'Ended after two days of running');

    at(6 * DAY + 23 * HOUR);
    const late = await post(event('run'));
    t.match(
      late.json(),
      { error: { code: 'illegal_transition' } },
      'a late mail within the grace: the token is good, the machine refuses the event',
    );

    at(7 * DAY + 1000);
    const expired = await post(event('finish'));
    t.equal(expired.statusCode, 403, 'a day after the end the token is refused at the bridge');
    t.match(expired.json(), {
      error: {
        code: 'token_expired',
        details: { uuid: created.uuid, expiredAt: new Date(start.getTime() + 7 * DAY).toISOString() },
      },
    });

    const direct = await rig.bus.request(
      Buffer.from(JSON.stringify({ uuid: created.uuid, name: 'retire', token: created.token })),
      { timeoutMs: 5000 },
    );
    t.match(
      direct,
      { outcome: 'rejected', error: { code: 'token_expired' } },
      'and by the manager, for a publisher on the bus',
    );

    const admin = await post(`/events?uuid=${created.uuid}&event=retire&wait=1`, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    t.match(
      admin.json(),
      { status: 'applied', state: 'RETIRED' },
      'an admin still can: the bridge gives the event an operator token',
    );
  },
);
