import { JOB_STATES } from '../../fsm/index.js';
import type { JobDocument } from '../../model/job.js';
import type { JobPage } from '../../ports/job-store.js';
import { html, type SafeHtml } from './html.js';
import { RANGES, filterQuery, type ListFilters } from './list-filters.js';
import { stateBadge } from './state-badge.js';

function jobRow(job: JobDocument): SafeHtml {
  return html`<tr data-uuid="${job.uuid}">
    <td class="mono"><a href="/ui/jobs/${job.uuid}">${job.uuid.slice(0, 8)}</a></td>
    <td>${stateBadge(job.state)}${job.stale === undefined ? '' : html` <span class="note">stale</span>`}</td>
    <td>${job.phase ?? ''}</td>
    <td>${job.pipeline}</td>
    <td class="wide">${job.owner ?? ''}</td>
    <td class="wide">${job.site ?? ''}</td>
    <td class="mono wide">${job.created}</td>
    <td class="mono" data-field="updated">${job.updated}</td>
    <td data-field="version">${job.version}</td>
  </tr>`;
}

/** The table of one page of jobs, with the link to the next page (keyset: the store's cursor). */
export function jobsTable(page: JobPage, filters: ListFilters): SafeHtml {
  const next =
    page.nextCursor === undefined
      ? html`<p class="note">End of the list.</p>`
      : html`<p>
          <a rel="next" href="/ui/jobs?${filterQuery(filters, { cursor: page.nextCursor })}">Older jobs →</a>
        </p>`;
  const newest = filterQuery(filters, { cursor: undefined });
  return html`<div id="jobs-table">
    <div class="table-wrap">
      <table class="jobs">
        <caption class="visually-hidden">
          Jobs, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">State</th>
            <th scope="col">Phase</th>
            <th scope="col">Pipeline</th>
            <th scope="col" class="wide">Owner</th>
            <th scope="col" class="wide">Site</th>
            <th scope="col" class="wide">Created (UTC)</th>
            <th scope="col">Updated (UTC)</th>
            <th scope="col">Version</th>
          </tr>
        </thead>
        <tbody>
          ${page.jobs.map(jobRow)}
        </tbody>
      </table>
    </div>
    ${page.jobs.length === 0 ? html`<p>No job matches these filters.</p>` : ''}
    ${filters.cursor !== undefined ? html`<p><a href="/ui/jobs?${newest}">↑ Newest</a></p>` : ''} ${next}
  </div>`;
}

function textInput(name: string, label: string, value: string | undefined): SafeHtml {
  return html`<label>${label} <input name="${name}" value="${value ?? ''}" maxlength="256" /></label>`;
}

/** The filter form: a plain GET form, so the filters live in the URL. */
export function filterForm(filters: ListFilters): SafeHtml {
  return html`<form class="filters" method="get" action="/ui/jobs" aria-label="Filters">
    ${textInput('pipeline', 'Pipeline', filters.pipeline)} ${textInput('owner', 'Owner', filters.owner)}
    ${textInput('phase', 'Phase', filters.phase)} ${textInput('site', 'Site', filters.site)}
    <label
      >Created within
      <select name="range">
        <option value="">any time</option>
        ${Object.keys(RANGES).map(
          (r) => html`<option value="${r}" ${filters.range === r ? 'selected' : ''}>last ${r}</option>`,
        )}
      </select>
    </label>
    <label
      ><input type="checkbox" name="stale" value="true" ${filters.stale === true ? 'checked' : ''} /> Stale only</label
    >
    <label>Created since (UTC) <input type="datetime-local" name="since" value="${filters.since ?? ''}" /></label>
    <label>Created until (UTC) <input type="datetime-local" name="until" value="${filters.until ?? ''}" /></label>
    <fieldset>
      <legend>State</legend>
      ${JOB_STATES.map(
        (s) =>
          html`<label
            ><input
              type="checkbox"
              name="state"
              value="${s}"
              ${filters.states.includes(s) ? 'checked' : ''}
            />${s}</label
          >`,
      )}
    </fieldset>
    <button type="submit">Filter</button>
    <a href="/ui/jobs">Clear</a>
  </form>`;
}
