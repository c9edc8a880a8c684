import { PipelineJobsError } from '../errors/index.js';
import { ADMIN_EVENTS, isJobEventName, isJobState } from '../fsm/states.js';
import type { JobDocument } from '../model/job.js';
import type { Api } from './api.js';

const RETRIES = 'the manager retries it for a while (PJM_DEFER_DELAYS_MS, about 50 s by default)';

/**
 * Why an event the server took has no verdict yet, as far as the job's current state tells: the
 * manager does not answer while it holds an event back for an earlier one, so the wait ends
 * without a verdict and the state is the best evidence of what the event is waiting for.
 */
export async function pendingReason(api: Api, uuid: string, event: string): Promise<string> {
  let job: JobDocument;
  try {
    job = (await api.call<JobDocument>('GET', `/jobs/${encodeURIComponent(uuid)}`)).body;
  } catch (err) {
    if (err instanceof PipelineJobsError && err.code === 'unknown_job') {
      return `job ${uuid} does not exist (yet): ${RETRIES} until its create arrives, then applies it, or dead-letters it (unknown_job)`;
    }
    return `no verdict within the server's wait; the event stays on the bus until a manager applies it or dead-letters it`;
  }
  if (!isJobState(job.state) || !isJobEventName(event))
    return `job ${uuid} is ${job.state}; the event stays on the bus until a manager applies it or dead-letters it`;
  const { acceptedLater, allowedEvents, nextState } = await import('../fsm/next-state.js');
  const state = job.state;
  if (nextState(state, event).ok) {
    return `job ${uuid} is ${state}, where ${event} applies, but no manager answered within the wait: the event stays on the bus until a manager takes it (is one running?)`;
  }
  if (!acceptedLater(state, event)) {
    return `job ${uuid} is ${state}, where ${event} can no longer apply: the manager will dead-letter it (illegal_transition)`;
  }
  const first = allowedEvents(state).filter((e) => {
    if (ADMIN_EVENTS.includes(e)) return false;
    const step = nextState(state, e);
    return step.ok && step.to !== state && nextState(step.to, event).ok;
  });
  const needs = first.length > 0 ? `${first.join(' or ')} first` : 'an earlier event first';
  return `job ${uuid} is ${state} and ${event} needs ${needs}: ${RETRIES}, then applies it once that event has arrived, or dead-letters it (illegal_transition); pjm history ${uuid} shows the outcome`;
}
