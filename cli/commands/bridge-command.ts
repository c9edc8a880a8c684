import { parseArgs } from 'node:util';
import { type Command } from '../command.js';

/** `pjm bridge`: the HTTP bridge and query API alone; the manager runs elsewhere. */
export const bridgeCommand: Command = {
  usage:
    'pjm bridge\n\nServes POST /jobs, /events, /callbacks/agave, /callbacks/slurm, the query API (GET ' +
    '/jobs...),\n/nonces, /healthz, /readyz, /metrics and /docs/json on PJM_HTTP_HOST:PJM_HTTP_PORT, ' +
    'publishing\nevents on the bus for the managers (pjm manager) to apply. Listens on loopback ' +
    'unless\nPJM_HTTP_HOST says otherwise, which needs PJM_API_TOKENS. Stops cleanly on SIGTERM/SIGINT.\n',
  async run(args, io) {
    parseArgs({ args, options: {}, strict: true });
    const { runService } = await import('../run-service.js');
    return runService(io, { role: 'bridge' });
  },
};
