import type { JobState } from '../../fsm/index.js';
import type { HistoryEntry, JobDocument } from '../../model/job.js';
import { jobCallbacks } from '../../protocol/callback-urls.js';
import { html, type SafeHtml } from './html.js';
import { jsonDetails } from './json-view.js';
import { machineDiagram } from './machine-diagram.js';
import { stateBadge } from './state-badge.js';
import { UI_ACTION_NAMES, actionAllowed } from './ui-actions.js';
import type { Viewer } from './ui-viewer.js';

/** Most history entries a job page shows (the newest); the API has them all. */
export const HISTORY_SHOWN = 500;

/** Fields the page shows in their own place; any other field of the job is shown generically. */
const KNOWN = new Set([
  'uuid',
  'ulid',
  'pipeline',
  'state',
  'phase',
  'version',
  'data',
  'created',
  'updated',
  'lastEvent',
  'owner',
  'creator',
  'site',
  'archivePath',
  'claim',
  'detail',
  'seq',
  'history',
]);

/** What the job page shows. */
export interface JobView {
  readonly job: JobDocument;
  readonly history: readonly HistoryEntry[];
  readonly viewer: Viewer;
  /** Origin (and prefix) of the permalink and the callback URLs. */
  readonly base: string;
  /** The job's token, only when an admin asked to see it. */
  readonly revealedToken?: string;
  /** What the last action did, shown above the page. */
  readonly notice?: string;
}

/** A link to the jobs list filtered on one value. */
function listLink(filter: 'pipeline' | 'phase', value: string): SafeHtml {
  return html`<a href="/ui/jobs?${filter}=${encodeURIComponent(value)}">${value}</a>`;
}

function fact(label: string, value: SafeHtml | string | number | undefined): SafeHtml {
  return value === undefined || value === ''
    ? html``
    : html`<dt>${label}</dt>
        <dd>${value}</dd>`;
}

function extraValue(key: string, value: unknown, uuid: string): SafeHtml | string {
  if (value === null || typeof value !== 'object') return String(value);
  return jsonDetails(key, value, `/jobs/${uuid}`);
}

/** Time spent in each state, from consecutive history entries (the last state runs until now). */
function durations(history: readonly HistoryEntry[], now: Date): Array<[JobState, number]> {
  const spent = new Map<JobState, number>();
  history.forEach((entry, i) => {
    const end = history[i + 1]?.date ?? now.toISOString();
    const ms = Math.max(0, Date.parse(end) - Date.parse(entry.date));
    spent.set(entry.state, (spent.get(entry.state) ?? 0) + ms);
  });
  return [...spent];
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

function timeline(job: JobDocument, history: readonly HistoryEntry[]): SafeHtml {
  const cut = history.length > 0 && (history[0]?.version ?? 1) > 1;
  return html`${
      cut
        ? html`<p class="note">
            Showing the newest ${history.length} of ${job.version} entries; the API has them all at
            <a href="/jobs/${job.uuid}/history">/jobs/${job.uuid}/history</a>.
          </p>`
        : ''
    }
    <ol class="timeline">
      ${[...history].reverse().map(
        (e) =>
          html`<li>
            <span class="mono">${e.date}</span> <strong>${e.name}</strong> → ${stateBadge(e.state)}
            <span class="note">v${e.version} · from ${e.source}</span>
            ${e.data === null ? '' : jsonDetails('data', e.data, `/jobs/${job.uuid}/history`)}
          </li>`,
      )}
    </ol>`;
}

function actions(view: JobView): SafeHtml {
  const { job, viewer } = view;
  const allowed = UI_ACTION_NAMES.filter((action) => actionAllowed(action, job.state));
  if (viewer.kind !== 'admin') {
    return html`<p class="note">
      Read-only. <a href="/ui/login?next=/ui/jobs/${job.uuid}">Sign in as an admin</a> to act on jobs.
    </p>`;
  }
  if (allowed.length === 0) return html`<p class="note">No admin action applies in state ${job.state}.</p>`;
  return html`<div class="actions">
    ${allowed.map(
      (action) =>
        html`<form method="post" action="/ui/jobs/${job.uuid}/events">
          <input type="hidden" name="csrf" value="${viewer.csrf ?? ''}" />
          <input type="hidden" name="event" value="${action}" />
          <input type="hidden" name="version" value="${job.version}" />
          <button type="submit" class="${action === 'cancel' ? 'danger' : ''}">${action}</button>
        </form>`,
    )}
  </div>`;
}

function callbacks(view: JobView): SafeHtml {
  const { job, viewer } = view;
  const token = view.revealedToken ?? 'TOKEN-HIDDEN';
  const urls = jobCallbacks({ base: view.base, uuid: job.uuid, token });
  const list = [urls.events, urls.agave.url, urls.slurm.url];
  const reveal =
    view.revealedToken !== undefined
      ? html`<p class="note">The token is shown because you asked; do not paste it where others read.</p>`
      : viewer.kind === 'admin'
        ? html`<form method="post" action="/ui/jobs/${job.uuid}/token">
            <input type="hidden" name="csrf" value="${viewer.csrf ?? ''}" />
            <button type="submit">Reveal the token</button>
          </form>`
        : html`<p class="note">The token is hidden; an admin can reveal it.</p>`;
  return html`<ul>
      ${list.map((u) => html`<li class="mono">${u}</li>`)}
    </ul>
    ${reveal}`;
}

/** The job page: facts, actions, the machine with the path taken, callback URLs, data and history. */
export function jobPage(view: JobView, now: Date): SafeHtml {
  const { job, history } = view;
  const permalink = `${view.base}/ui/jobs/${job.uuid}`;
  const path = history.map((e) => e.state);
  const attempts = history.filter((e) => e.name === 'run').length;
  const extras = Object.entries(job).filter(([k]) => !KNOWN.has(k));
  return html`${view.notice === undefined ? '' : html`<p role="status" class="banner">${view.notice}</p>`}
    <h1>Job <span class="mono">${job.uuid}</span> ${stateBadge(job.state, 'job-state')}</h1>
    <p>
      <a href="${permalink}">Permalink</a>
      <button type="button" data-copy="${permalink}">Copy permalink</button>
    </p>
    <div class="grid">
      <section class="card" aria-labelledby="facts-h">
        <h2 id="facts-h">Facts</h2>
        <dl class="facts">
          ${fact('Pipeline', listLink('pipeline', job.pipeline))} ${fact('State', job.state)}
          ${fact('Phase', job.phase === undefined ? undefined : listLink('phase', job.phase))} ${fact('ULID', job.ulid)}
          ${fact('Version', job.version)} ${fact('Last event', job.lastEvent)}
          ${fact('Attempts (run events)', attempts)} ${fact('Created', job.created)} ${fact('Updated', job.updated)}
          ${fact('Owner', job.owner)} ${fact('Site', job.site)} ${fact('Creator', job.creator)}
          ${fact('Archive path', job.archivePath)}
          ${fact('Claim', job.claim === undefined ? undefined : `${job.claim.by} until ${job.claim.until}`)}
          ${extras.map(([k, v]) => fact(k, extraValue(k, v, job.uuid)))}
        </dl>
      </section>
      <section class="card" aria-labelledby="time-h">
        <h2 id="time-h">Time in each state</h2>
        <dl class="facts">
          ${durations(history, now).map(
            ([s, ms]) =>
              html`<dt>${s}</dt>
                <dd>${duration(ms)}</dd>`,
          )}
        </dl>
      </section>
      <section class="card" aria-labelledby="actions-h">
        <h2 id="actions-h">Actions</h2>
        ${actions(view)}
      </section>
    </div>
    <section aria-labelledby="fsm-h">
      <h2 id="fsm-h">State machine</h2>
      ${machineDiagram(job.state, path)}
    </section>
    <section aria-labelledby="cb-h">
      <h2 id="cb-h">Callback URLs</h2>
      ${callbacks(view)}
    </section>
    <section aria-labelledby="data-h">
      <h2 id="data-h">Data</h2>
      ${jsonDetails('data', job.data, `/jobs/${job.uuid}`)}
      ${job.detail === undefined ? '' : jsonDetails('detail', job.detail, `/jobs/${job.uuid}`)}
    </section>
    <section aria-labelledby="history-h">
      <h2 id="history-h">History</h2>
      ${timeline(job, history)}
    </section>`;
}
