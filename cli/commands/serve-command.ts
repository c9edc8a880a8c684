import { parseArgs } from 'node:util';
import { type Command } from '../command.js';

/** `pjm serve`: everything in one process; embedded (SQLite file + local bus) unless URLs are set. */
export const serveCommand: Command = {
  usage:
    'pjm serve\n\nRuns the manager in one process. With no PJM_AMQP_URL / PJM_MONGO_URL it is fully ' +
    'embedded:\njobs and the event queue live in SQLite files under PJM_DATA_DIR (default ./.pjm), and ' +
    'the\ntoken secret is generated there on first start. Stops cleanly on SIGTERM/SIGINT.\n',
  async run(args, io) {
    parseArgs({ args, options: {}, strict: true });
    const { runService } = await import('../run-service.js');
    return runService(io, { role: 'serve' });
  },
};
