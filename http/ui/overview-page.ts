import { JOB_STATES, type JobState } from '../../fsm/index.js';
import { html, type SafeHtml } from './html.js';
import { COUNT_CAP, REASONS_OF, type Overview } from './overview-data.js';
import { stateBadge } from './state-badge.js';
import type { Viewer } from './ui-viewer.js';

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

/** The stale jobs at a glance: how many, and the link to them. */
function staleCard(o: Overview): SafeHtml {
  const { count, capped } = o.stale;
  return html`<section class="card" aria-labelledby="stale-h">
    <h2 id="stale-h">Stale jobs</h2>
    <p>
      <a href="/ui/jobs?stale=true">${count}${capped ? '+' : ''} job${count === 1 ? '' : 's'}</a> whose heartbeat lease
      ran out with no word from them.
    </p>
  </section>`;
}

/** Dead letters per reason code; an admin may replay a code (the letters whose token was verified). */
function deadLettersCard(o: Overview, viewer: Viewer): SafeHtml {
  const letters = o.deadLetters;
  if (letters === undefined) return html``;
  const replay = (code: string): SafeHtml =>
    viewer.kind !== 'admin'
      ? html``
      : html`<form method="post" action="/ui/dead/replay">
          <input type="hidden" name="csrf" value="${viewer.csrf ?? ''}" />
          <input type="hidden" name="code" value="${code}" />
          <button type="submit">Replay</button>
        </form>`;
  return html`<section class="card" aria-labelledby="dead-h">
    <h2 id="dead-h">Dead letters</h2>
    ${
      letters.length === 0
        ? html`<p>None waiting.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Reason code</th>
                <th scope="col">Letters</th>
                ${viewer.kind === 'admin' ? html`<th scope="col">Action</th>` : ''}
              </tr>
            </thead>
            <tbody>
              ${letters.map(
                (l) =>
                  html`<tr>
                    <td class="mono">${l.code}</td>
                    <td>${l.count}</td>
                    ${viewer.kind === 'admin' ? html`<td>${replay(l.code)}</td>` : ''}
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <p class="note">Events the manager refused (<span class="mono">pjm dead ls</span>).</p>
  </section>`;
}

/** The overview page: counts per state × pipeline, the latest failures, stale jobs, dead letters, the sparkline. */
export function overviewPage(o: Overview, viewer: Viewer): SafeHtml {
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
      <section class="card" aria-labelledby="reasons-h">
        <h2 id="reasons-h">Why the latest ${REASONS_OF} failed</h2>
        ${
          o.reasons.length === 0
            ? html`<p>No failed job.</p>`
            : html`<table>
                <thead>
                  <tr>
                    <th scope="col">Reason</th>
                    <th scope="col">Jobs</th>
                    <th scope="col">Example</th>
                  </tr>
                </thead>
                <tbody>
                  ${o.reasons.map(
                    (r) =>
                      html`<tr>
                        <td>${r.reason}</td>
                        <td>${r.count}</td>
                        <td><a class="mono" href="/ui/jobs/${r.example}">${r.example.slice(0, 8)}</a></td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
      </section>
      ${staleCard(o)} ${deadLettersCard(o, viewer)}
      <section class="card" aria-labelledby="spark-h">
        <h2 id="spark-h">Jobs created, last 24 h</h2>
        ${sparkline(o.perHour)}
        ${o.perHourCapped ? html`<p class="note">Only the newest ${5 * COUNT_CAP} counted.</p>` : ''}
      </section>
    </div>`;
}
