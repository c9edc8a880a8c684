import { parseArgs } from 'node:util';
import { type Command } from '../command.js';

/** `pjm manager`: the manager actor alone, on the configured bus and store. */
export const managerCommand: Command = {
  usage:
    'pjm manager\n\nConsumes events from the bus (RabbitMQ when PJM_AMQP_URL is set, else the embedded bus ' +
    'in\nPJM_DATA_DIR) and applies them to the store (MongoDB when PJM_MONGO_URL is set, else ' +
    'SQLite).\nConfiguration comes from the environment (see README). Stops cleanly on SIGTERM/SIGINT.\n',
  async run(args, io) {
    parseArgs({ args, options: {}, strict: true });
    const { runService } = await import('../run-service.js');
    return runService(io, { role: 'manager' });
  },
};
