import { Gauge, type Registry } from 'prom-client';
import type { DeadLetterStore } from '../ports/dead-letter-store.js';

/**
 * Registers `pjm_dead_letters{code}`: the dead letters waiting in `store`, per reason code, read
 * from the store at each scrape (one grouped count on an index). A code with none left drops out.
 */
export function registerDeadLetterGauge(registry: Registry, store: DeadLetterStore): Gauge<'code'> {
  return new Gauge({
    name: 'pjm_dead_letters',
    help: 'Dead letters waiting (not replayed), by reason code',
    labelNames: ['code'],
    registers: [registry],
    async collect() {
      const counts = await store.counts();
      this.reset();
      for (const { code, count } of counts) this.set({ code }, count);
    },
  });
}
