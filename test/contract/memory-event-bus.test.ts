import t from 'tap';
import { MemoryEventBus } from '../fakes/memory-event-bus.js';
import { eventBusContract } from './event-bus.contract.js';

t.test('in memory (the unit tests’ fake)', async (t) => {
  eventBusContract(
    t,
    async () => {
      const bus = new MemoryEventBus();
      await bus.start();
      return {
        bus,
        another: () => Promise.reject(new Error('memory queues cannot be shared')),
        dispose: () => bus.close(),
      };
    },
    { sharedAcrossInstances: false },
  );
});
