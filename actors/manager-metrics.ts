import { Counter, Histogram, type Registry } from 'prom-client';
import { PJM_HEADER } from '../protocol/amqp-names.js';

/** Every way a message can end (see the manager's TSDoc). */
export type Outcome = 'applied' | 'duplicate' | 'rejected' | 'deferred' | 'transient';

/** The manager's Prometheus metrics, registered on the given registry. */
export class ManagerMetrics {
  readonly events: Counter<'outcome' | 'code'>;
  readonly applyLatency: Histogram;
  readonly queueLag: Histogram;

  constructor(registry: Registry) {
    this.events = new Counter({
      name: 'pjm_manager_events_total',
      help: 'Messages handled by the manager, by outcome and reason code',
      labelNames: ['outcome', 'code'],
      registers: [registry],
    });
    this.applyLatency = new Histogram({
      name: 'pjm_manager_apply_seconds',
      help: 'Time from taking a message off the bus to settling it',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    this.queueLag = new Histogram({
      name: 'pjm_manager_queue_lag_seconds',
      help: `Time from publish (${PJM_HEADER.publishedAt}) to the manager taking the message`,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300],
      registers: [registry],
    });
  }

  /** Counts one outcome. */
  count(outcome: Outcome, code = ''): void {
    this.events.inc({ outcome, code });
  }
}
