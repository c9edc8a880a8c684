import { parseArgs } from 'node:util';
import { type Command } from '../command.js';

/** `pjm reaper`: the reaper actor alone, on the configured bus and store. */
export const reaperCommand: Command = {
  usage:
    'pjm reaper\n\nEvery PJM_REAPER_PERIOD_SECONDS (default 30), finds the live jobs whose heartbeat lease expired ' +
    "(registry\nheartbeat.timeout, or the job's own) and publishes for each what the scheduler says " +
    '(Slurm: finish, fail,\ncancel) or a stale mark (docs/heartbeats.md). Run any number of them on RabbitMQ ' +
    '(PJM_AMQP_URL) and one\nstore: each expiry is marked once. Stops cleanly on SIGTERM/SIGINT.\n',
  async run(args, io) {
    parseArgs({ args, options: {}, strict: true });
    const { runService } = await import('../run-service.js');
    return runService(io, { role: 'reaper' });
  },
};
