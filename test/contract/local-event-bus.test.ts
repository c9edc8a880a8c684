import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { LocalEventBus } from '../../adapters/bus/local/local-event-bus.js';
import type { EventBus } from '../../ports/event-bus.js';
import { eventBusContract } from './event-bus.contract.js';

t.test('local bus on a file', async (t) => {
  eventBusContract(t, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pjm-bus-'));
    const path = join(dir, 'bus.db');
    const opened: EventBus[] = [];
    const open = async (): Promise<EventBus> => {
      const bus = new LocalEventBus({ path, pollMs: 20 });
      await bus.start();
      opened.push(bus);
      return bus;
    };
    return {
      bus: await open(),
      another: open,
      dispose: async () => {
        for (const bus of opened) await bus.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

t.test('local bus in :memory:', async (t) => {
  eventBusContract(
    t,
    async () => {
      const bus = new LocalEventBus({ path: ':memory:', pollMs: 20 });
      await bus.start();
      return {
        bus,
        another: () => Promise.reject(new Error(':memory: queues cannot be shared')),
        dispose: () => bus.close(),
      };
    },
    { sharedAcrossInstances: false },
  );
});
