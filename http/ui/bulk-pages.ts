import { BULK_MAX, type BulkTargets } from './bulk-targets.js';
import { html, type SafeHtml } from './html.js';
import { filterQuery, type ListFilters } from './list-filters.js';
import { UI_ACTION_NAMES, type UiAction } from './ui-actions.js';
import type { Viewer } from './ui-viewer.js';

/** The list page's bulk form (admins only): pick an action for every job the filters match, then confirm. */
export function bulkForm(filters: ListFilters, viewer: Viewer): SafeHtml {
  if (viewer.kind !== 'admin') return html``;
  const query = filterQuery(filters, { cursor: undefined });
  return html`<form class="filters" method="get" action="/ui/jobs/bulk" aria-label="Bulk action">
    <input type="hidden" name="filters" value="${query}" />
    <label
      >Bulk action on every job these filters match
      <select name="event">
        ${UI_ACTION_NAMES.map((action) => html`<option value="${action}">${action}</option>`)}
      </select>
    </label>
    <button type="submit">Review…</button>
  </form>`;
}

/** What the filters say, as words, for the confirmation. */
function describeFilters(filters: ListFilters): string {
  const parts = (['pipeline', 'phase', 'owner', 'site', 'range', 'since', 'until'] as const).flatMap((key) =>
    filters[key] === undefined ? [] : [`${key} = ${filters[key]}`],
  );
  if (filters.states.length > 0) parts.push(`state in ${filters.states.join(', ')}`);
  if (filters.stale === true) parts.push('stale');
  return parts.length === 0 ? 'all jobs' : parts.join('; ');
}

/** The confirmation: how many jobs `action` will change, and the button that sends it to exactly those. */
export function bulkConfirmBody(
  filters: ListFilters,
  action: UiAction,
  targets: BulkTargets,
  viewer: Viewer,
  batch: string,
): SafeHtml {
  const back = `/ui/jobs?${filterQuery(filters, { cursor: undefined })}`;
  const where = html`<p>Filters: <span class="mono">${describeFilters(filters)}</span>.</p>
    <p class="note">
      ${
        targets.states.length === 0
          ? html`The dashboard offers <strong>${action}</strong> in none of the selected states.`
          : html`The dashboard offers <strong>${action}</strong> in ${targets.states.join(', ')}; matching jobs in other
              states are left alone.`
      }
    </p>`;
  if (targets.tooMany) {
    return html`<h1>Too many jobs for one bulk action</h1>
      ${where}
      <p class="error">
        More than ${BULK_MAX.toLocaleString('en')} jobs would change. Narrow the filters and try again.
      </p>
      <p><a href="${back}">Back to the list</a></p>`;
  }
  const count = targets.uuids.length;
  if (count === 0) {
    return html`<h1>No job to change</h1>
      ${where}
      <p>No job matching these filters is in a state where the dashboard offers ${action}.</p>
      <p><a href="${back}">Back to the list</a></p>`;
  }
  return html`<h1>Send ${action} to ${count} job${count === 1 ? '' : 's'}?</h1>
    ${where}
    <form method="post" action="/ui/jobs/bulk" class="actions">
      <input type="hidden" name="csrf" value="${viewer.kind === 'admin' ? (viewer.csrf ?? '') : ''}" />
      <input type="hidden" name="filters" value="${filterQuery(filters, { cursor: undefined })}" />
      <input type="hidden" name="event" value="${action}" />
      <input type="hidden" name="batch" value="${batch}" />
      <input type="hidden" name="expected" value="${count}" />
      <button type="submit" class="${action === 'cancel' ? 'danger' : ''}">
        Yes, ${action} ${count} job${count === 1 ? '' : 's'}
      </button>
      <a href="${back}">No, back to the list</a>
    </form>`;
}

/** What a bulk action did: events sent, refusals by code. */
export interface BulkResult {
  readonly action: UiAction;
  readonly sent: number;
  readonly expected: number;
  readonly refused: ReadonlyMap<string, number>;
}

/** The page after a bulk action. */
export function bulkDoneBody(filters: ListFilters, result: BulkResult): SafeHtml {
  const back = `/ui/jobs?${filterQuery(filters, { cursor: undefined })}`;
  return html`<h1>Sent ${result.action} to ${result.sent} job${result.sent === 1 ? '' : 's'}</h1>
    ${
      result.sent === result.expected
        ? ''
        : html`<p class="note">
            The confirmation counted ${result.expected}; the jobs changed in between, so ${result.sent} matched when it
            was sent.
          </p>`
    }
    ${
      result.refused.size === 0
        ? ''
        : html`<p class="error">Refused before sending:</p>
            <ul>
              ${[...result.refused].map(([code, n]) => html`<li><span class="mono">${code}</span>: ${n}</li>`)}
            </ul>`
    }
    <p class="note">The manager applies each action in turn; the list shows them as they land.</p>
    <p><a href="${back}">Back to the list</a></p>`;
}
