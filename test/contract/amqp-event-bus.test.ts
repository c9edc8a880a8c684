import t from 'tap';
import { AmqpEventBus } from '../../adapters/bus/amqp/amqp-event-bus.js';
import { serviceUrl, uniqueName } from '../helpers/services.js';
import { eventBusContract } from './event-bus.contract.js';

const service = serviceUrl('PJM_TEST_AMQP_URL');

if ('skip' in service) {
  t.test('RabbitMQ', { skip: service.skip }, () => {});
} else {
  t.comment(`EventBus contract suite against a live RabbitMQ at ${service.url.replace(/:[^:@/]*@/, ':***@')}`);
  t.test('RabbitMQ', async (t) => {
    eventBusContract(t, async () => {
      const prefix = uniqueName('pjm_contract');
      const open = async (): Promise<AmqpEventBus> => {
        const bus = new AmqpEventBus({ url: service.url, prefix });
        await bus.start();
        buses.push(bus);
        return bus;
      };
      const buses: AmqpEventBus[] = [];
      const bus = await open();
      return {
        bus,
        another: open,
        dispose: async () => {
          await Promise.all(buses.map((b) => b.close()));
          for (const b of buses) await b.deleteTopology();
        },
      };
    });
  });
}
