import { parseArgs } from 'node:util';
import { type Command } from '../command.js';

/** `pjm dispatcher`: the dispatcher actor alone, on the configured bus and store. */
export const dispatcherCommand: Command = {
  usage:
    'pjm dispatcher\n\nLaunches the jobs of the pipelines whose registry entry (PJM_PIPELINES) names a launcher ' +
    '(local\nprocess or Slurm sbatch) when they are created, and stops them when they are cancelled ' +
    '(docs/dispatcher.md).\nRun any number of them on RabbitMQ (PJM_AMQP_URL) and one store; each job ' +
    'is launched once.\nConfiguration comes from the environment (see README). Stops cleanly on SIGTERM/SIGINT.\n',
  async run(args, io) {
    parseArgs({ args, options: {}, strict: true });
    const { runService } = await import('../run-service.js');
    return runService(io, { role: 'dispatcher' });
  },
};
