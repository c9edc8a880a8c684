import { JOB_STATES, type JobState } from '../../fsm/index.js';
import type { JobDocument } from '../../model/job.js';
import type { JobStore } from '../../ports/job-store.js';
import { html, type SafeHtml } from './html.js';
import { stateBadge } from './state-badge.js';

/** Most jobs counted per state: the store has no count query, so the overview pages through at most this many. */
export const COUNT_CAP = 2000;

/** Hours the throughput sparkline covers. */
const SPARK_HOURS = 24;

/** What the overview shows. */
export interface Overview {
  /** pipeline → state → jobs (at most {@link COUNT_CAP} per state in all). */
  readonly counts: ReadonlyMap<string, ReadonlyMap<JobState, number>>;
  /** States with more jobs than were counted. */
  readonly capped: ReadonlySet<JobState>;
  readonly failed: readonly JobDocument[];
  /** Jobs created per hour, oldest hour first. */
  readonly perHour: readonly number[];
  readonly perHourCapped: boolean;
}

async function pages(store: JobStore, query: Parameters<JobStore['list']>[0], cap: number) {
  const jobs: JobDocument[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...query, limit: Math.min(1000, cap - jobs.length), ...(cursor && { cursor }) });
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== undefined && jobs.length < cap);
  return { jobs, more: cursor !== undefined };
}

/** Reads what the overview shows, each part bounded. */
export async function readOverview(store: JobStore, now: Date): Promise<Overview> {
  const counts = new Map<string, Map<JobState, number>>();
  const capped = new Set<JobState>();
  for (const state of JOB_STATES) {
    const { jobs, more } = await pages(store, { state }, COUNT_CAP);
    if (more) capped.add(state);
    for (const job of jobs) {
      const row = counts.get(job.pipeline) ?? new Map<JobState, number>();
      row.set(state, (row.get(state) ?? 0) + 1);
      counts.set(job.pipeline, row);
    }
  }
  const failed = (await store.list({ state: ['FAILED'], limit: 10 })).jobs;
  const start = now.getTime() - SPARK_HOURS * 3_600_000;
  const recent = await pages(store, { createdSince: new Date(start).toISOString() }, 5 * COUNT_CAP);
  const perHour = new Array<number>(SPARK_HOURS).fill(0);
  for (const job of recent.jobs) {
    const hour = Math.floor((Date.parse(job.created) - start) / 3_600_000);
    if (hour >= 0 && hour < SPARK_HOURS) perHour[hour] = (perHour[hour] ?? 0) + 1;
  }
  return { counts, capped, failed, perHour, perHourCapped: recent.more };
}

function sparkline(values: readonly number[]): SafeHtml {
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => `${i * 10},${30 - Math.round((v / max) * 28)}`).join(' ');
  const total = values.reduce((a, b) => a + b, 0);
  return html`<svg class="spark" viewBox="0 0 ${(values.length - 1) * 10} 32" width="240" height="40" role="img">
    <title>
      Jobs created per hour over the last ${values.length} hours: ${total} in all, at most ${max} in one hour
    </title>
    <polyline points="${points}" />
  </svg>`;
}

function countsTable(o: Overview): SafeHtml {
  const pipelines = [...o.counts.keys()].sort();
  const states = JOB_STATES.filter((s) => pipelines.some((p) => (o.counts.get(p)?.get(s) ?? 0) > 0));
  if (pipelines.length === 0) return html`<p>No jobs yet.</p>`;
  const cell = (pipeline: string | undefined, state: JobState, n: number): SafeHtml => {
    const q = new URLSearchParams({ state, ...(pipeline !== undefined && { pipeline }) });
    return html`<td>
      <a href="/ui/jobs?${q.toString()}">${n}${o.capped.has(state) && pipeline === undefined ? '+' : ''}</a>
    </td>`;
  };
  return html`<div class="table-wrap">
      <table class="counts">
        <caption class="visually-hidden">
          Jobs per pipeline and state
        </caption>
        <thead>
          <tr>
            <th scope="col">Pipeline</th>
            ${states.map((s) => html`<th scope="col">${stateBadge(s)}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${pipelines.map(
            (p) =>
              html`<tr>
                <th scope="row"><a href="/ui/jobs?pipeline=${encodeURIComponent(p)}">${p}</a></th>
                ${states.map((s) => cell(p, s, o.counts.get(p)?.get(s) ?? 0))}
              </tr>`,
          )}
          <tr>
            <th scope="row">All</th>
            ${states.map((s) =>
              cell(
                undefined,
                s,
                pipelines.reduce((n, p) => n + (o.counts.get(p)?.get(s) ?? 0), 0),
              ),
            )}
          </tr>
        </tbody>
      </table>
    </div>
    ${
      o.capped.size > 0
        ? html`<p class="note">Counted up to ${COUNT_CAP} jobs per state; a “+” marks a state with more.</p>`
        : ''
    }`;
}

/** The overview page: counts per state × pipeline, the latest failures, the creation sparkline. */
export function overviewPage(o: Overview): SafeHtml {
  return html`<h1>Overview</h1>
    <section aria-labelledby="counts-h">
      <h2 id="counts-h">Jobs by pipeline and state</h2>
      ${countsTable(o)}
    </section>
    <div class="grid">
      <section class="card" aria-labelledby="failed-h">
        <h2 id="failed-h">Latest failed jobs</h2>
        ${
          o.failed.length === 0
            ? html`<p>None.</p>`
            : html`<ul>
                ${o.failed.map(
                  (j) =>
                    html`<li>
                      <a class="mono" href="/ui/jobs/${j.uuid}">${j.uuid.slice(0, 8)}</a> ${j.pipeline}
                      <span class="note">${j.updated} · ${j.lastEvent}</span>
                    </li>`,
                )}
              </ul>`
        }
        <p><a href="/ui/jobs?state=FAILED">All failed jobs →</a></p>
      </section>
      <section class="card" aria-labelledby="spark-h">
        <h2 id="spark-h">Jobs created, last 24 h</h2>
        ${sparkline(o.perHour)}
        ${o.perHourCapped ? html`<p class="note">Only the newest ${5 * COUNT_CAP} counted.</p>` : ''}
      </section>
    </div>`;
}
