import type { AgaveJob } from '../../schemas/index.js';
import type { StatusEventName } from '../../registry/vocabulary.js';
import { builtinStatus } from '../../registry/builtin-vocabularies.js';

/** An Agave notification macro the notifier left unexpanded, e.g. `${STATUS}`. */
const MACRO = /\$\{[^}]*\}/;

function usable(status: unknown): string | undefined {
  if (typeof status !== 'string') return undefined;
  const trimmed = status.trim();
  if (trimmed === '' || MACRO.test(trimmed)) return undefined;
  return trimmed.toUpperCase();
}

/**
 * The pipeline-job event for an Agave job callback.
 *
 * The status is the callback URL's `status` parameter when it holds a real value, else the body's
 * `status`; an empty value or an unexpanded macro (`${STATUS}`, `${JOB_STATUS}`, any `${...}`) in
 * the URL falls back to the body. The status is compared case-insensitively and returned
 * upper-cased; its event and phase are the built-in `agave` vocabulary's
 * (`registry/builtin-vocabularies.ts`).
 *
 * @param urlStatus - the `status` (or `state`) query parameter, if any
 * @param body - the notification body, if any
 * @returns the event name, the status it came from and the phase it sets (none for a notification-only
 *   status), or `undefined` when no status is available
 */
export function agaveEvent(
  urlStatus: string | undefined,
  body: AgaveJob | undefined,
): { name: StatusEventName; status: string; phase?: string } | undefined {
  const status = usable(urlStatus) ?? usable(body?.status);
  if (status === undefined) return undefined;
  return { ...builtinStatus('agave', status), status };
}
