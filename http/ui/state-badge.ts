import { html, type SafeHtml } from './html.js';

/** A job state as a badge: its name as text, its colour from the stylesheet (never colour alone). */
export function stateBadge(state: string, id?: string): SafeHtml {
  return html`<span class="badge s-${state}" ${id === undefined ? '' : html`id="${id}"`}>${state}</span>`;
}
