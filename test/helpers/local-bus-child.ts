/**
 * A second process on a local-bus file, for test/integration/local-bus-processes.test.ts.
 *   consume <path> <leaseMs>   leases messages, never settles them, prints `got <body>` per message
 *   publish <path> <count>     publishes "0" … "<count - 1>" one after another, prints `done`
 */
import { LocalEventBus } from '../../adapters/bus/local/local-event-bus.js';

const [mode, path, arg] = process.argv.slice(2);
if (path === undefined || arg === undefined)
  throw new Error('usage: local-bus-child.ts consume|publish <path> <leaseMs|count>');

if (mode === 'consume') {
  const bus = new LocalEventBus({ path, leaseMs: Number(arg) });
  await bus.start();
  await bus.consume((delivery) => process.stdout.write(`got ${delivery.body.toString('utf8')}\n`));
} else if (mode === 'publish') {
  const bus = new LocalEventBus({ path });
  await bus.start();
  for (let i = 0; i < Number(arg); i++) await bus.publish(Buffer.from(String(i)));
  await bus.close();
  process.stdout.write('done\n');
} else {
  throw new Error(`unknown mode ${mode}`);
}
