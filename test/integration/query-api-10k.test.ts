import t from 'tap';
import { buildNewJob } from '../../model/new-job.js';
import { startHttpRig } from '../helpers/http-rig.js';
import { send } from '../helpers/jobs.js';
import { scaled, scenarioFileTimeoutMs } from '../helpers/scale.js';

t.setTimeout(scenarioFileTimeoutMs());

// 2,000 jobs at PJM_TEST_SCALE=1 (10,000 in the benchmark): every page size below still cuts each
// filter's result into several pages, and the time window into runs of equal timestamps.
const JOBS = scaled(2000);
const PIPELINES = ['photometry', 'spectra', 'calib', 'ingest'];
const BASE = Date.parse('2026-01-01T00:00:00.000Z');

interface Made {
  uuid: string;
  pipeline: string;
  state: string;
  created: number;
}

/** Pages through `query` with `limit` and returns the uuids in the order served. */
async function pageAll(
  inject: (url: string) => Promise<{ statusCode: number; json<T>(): T }>,
  query: string,
  limit: number,
): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const res = await inject(
      `/jobs?${query}&limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
    );
    if (res.statusCode !== 200) throw new Error(`GET /jobs?${query} answered ${res.statusCode}`);
    const page = res.json<{ jobs: Array<{ uuid: string }>; nextCursor?: string }>();
    seen.push(...page.jobs.map((j) => j.uuid));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return seen;
}

t.test(`query API over ${JOBS} jobs: every filter and page size returns each matching job exactly once`, async (t) => {
  const rig = await startHttpRig();
  t.teardown(() => rig.close());
  const { store, app } = rig;
  const made: Made[] = [];
  for (let i = 0; i < JOBS; i++) {
    const pipeline = PIPELINES[i % PIPELINES.length]!;
    // Several jobs per second, so that time filters cut through runs of equal timestamps.
    const created = BASE + Math.floor(i / 3) * 1000;
    const { job } = await store.create(
      buildNewJob({ pipeline, data: { i } }, { now: new Date(created), source: 'test' }),
    );
    let state = 'CREATED';
    if (i % 7 === 0) {
      await send(store, job.uuid, 'run');
      state = 'RUNNING';
      if (i % 14 === 0) {
        await send(store, job.uuid, 'fail');
        state = 'FAILED';
      }
    }
    made.push({ uuid: job.uuid, pipeline, state, created });
  }
  const inject = (url: string) => app.inject({ url });
  const iso = (ms: number) => new Date(ms).toISOString();
  // The window from 15 % to 75 % of the creation times, whatever the number of jobs.
  const span = Math.floor((JOBS - 1) / 3);
  const since = BASE + Math.round(span * 0.15) * 1000;
  const until = BASE + Math.round(span * 0.75) * 1000;
  const cases: Array<{ query: string; want: (m: Made) => boolean; limits: number[] }> = [
    { query: 'order=desc', want: () => true, limits: [1000, 137] },
    { query: 'order=asc', want: () => true, limits: [1000] },
    { query: 'pipeline=spectra', want: (m) => m.pipeline === 'spectra', limits: [250, 999] },
    { query: 'state=RUNNING,FAILED', want: (m) => m.state !== 'CREATED', limits: [100] },
    { query: 'pipeline=calib&state=FAILED', want: (m) => m.pipeline === 'calib' && m.state === 'FAILED', limits: [7] },
    {
      query: `since=${iso(since)}&until=${iso(until)}`,
      want: (m) => m.created >= since && m.created <= until,
      limits: [64],
    },
    {
      query: `pipeline=ingest&since=${iso(since)}&order=asc`,
      want: (m) => m.pipeline === 'ingest' && m.created >= since,
      limits: [333],
    },
  ];
  for (const { query, want, limits } of cases) {
    const expected = made.filter(want).map((m) => m.uuid);
    for (const limit of limits) {
      const seen = await pageAll(inject, query, limit);
      t.equal(new Set(seen).size, seen.length, `${query} limit=${limit}: no job twice`);
      t.same([...seen].sort(), [...expected].sort(), `${query} limit=${limit}: all ${expected.length} matching jobs`);
      if (query.includes('order=asc')) t.same(seen, expected, 'in creation order');
      if (query === 'order=desc') t.same(seen, [...expected].reverse(), 'newest first');
    }
  }
});
