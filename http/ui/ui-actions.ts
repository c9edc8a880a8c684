import { allowedEvents, type JobEventName, type JobState } from '../../fsm/index.js';

/** What an admin can do to a job from the dashboard, and the events each sends, in order. */
export const UI_ACTIONS = {
  cancel: ['cancel'],
  reset: ['reset'],
  ready: ['ready'],
  // Back to CREATED through the machine's own path, so a pipeline with a launcher runs it again.
  retry: ['reset', 'ready'],
} as const satisfies Record<string, readonly Exclude<JobEventName, 'create'>[]>;

/** A dashboard action's name. */
export type UiAction = keyof typeof UI_ACTIONS;

/** Every dashboard action, in the order the pages offer them. */
export const UI_ACTION_NAMES = Object.keys(UI_ACTIONS) as readonly UiAction[];

/** Whether `value` names a dashboard action. */
export function isUiAction(value: unknown): value is UiAction {
  return typeof value === 'string' && Object.hasOwn(UI_ACTIONS, value);
}

/**
 * Whether the dashboard offers `action` in `state`: the machine allows its first event, and a
 * retry is for a failed job (a live one is reset by hand, an ended success is not redone).
 */
export function actionAllowed(action: UiAction, state: JobState): boolean {
  if (action === 'retry') return state === 'FAILED';
  return allowedEvents(state).includes(UI_ACTIONS[action][0]);
}
