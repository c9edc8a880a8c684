import { html, type SafeHtml } from './html.js';

/** Most characters of one JSON value shown in a page; the rest is cut with a note (the API has it whole). */
export const JSON_SHOWN_CHARS = 16 * 1024;

/** `value` pretty-printed as text, cut to {@link JSON_SHOWN_CHARS}. */
export function boundedJson(value: unknown, limit = JSON_SHOWN_CHARS): { readonly text: string; readonly cut: number } {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  return text.length <= limit ? { text, cut: 0 } : { text: text.slice(0, limit), cut: text.length - limit };
}

function size(chars: number): string {
  return chars < 1024 ? `${chars} characters` : `${Math.round(chars / 1024)} KiB`;
}

/** A collapsible, bounded view of a JSON value (closed by default). */
export function jsonDetails(label: string, value: unknown, apiUrl: string): SafeHtml {
  const { text, cut } = boundedJson(value);
  return html`<details>
    <summary>${label} (${size(text.length + cut)})</summary>
    <pre class="mono">${text}</pre>
    ${
      cut > 0
        ? html`<p class="note">
            ${size(cut)} more not shown; the whole value is at <a href="${apiUrl}">${apiUrl}</a>.
          </p>`
        : ''
    }
  </details>`;
}
