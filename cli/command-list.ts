import type { CommandEntry } from './command.js';

/** Every `pjm` subcommand, in the order the main help lists them; each module loads on use. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'serve',
    summary: 'Run the tracker in one process (embedded: SQLite + local bus under PJM_DATA_DIR)',
    load: async () => (await import('./commands/serve-command.js')).serveCommand,
  },
  {
    name: 'manager',
    summary: 'Run the manager actor (consumes events, applies them to jobs)',
    load: async () => (await import('./commands/manager-command.js')).managerCommand,
  },
  {
    name: 'bridge',
    summary: 'Run the HTTP bridge and query API (callbacks in, job state out), without a manager',
    load: async () => (await import('./commands/bridge-command.js')).bridgeCommand,
  },
  {
    name: 'dispatcher',
    summary: 'Run the dispatcher actor (launches jobs of pipelines with a launcher, stops cancelled ones)',
    load: async () => (await import('./commands/dispatcher-command.js')).dispatcherCommand,
  },
  {
    name: 'reaper',
    summary: 'Run the reaper actor (flags jobs whose heartbeat lease expired; reconciles Slurm jobs first)',
    load: async () => (await import('./commands/reaper-command.js')).reaperCommand,
  },
  {
    name: 'create',
    summary: 'Create a job (POST /jobs): prints its uuid and token',
    load: async () => (await import('./commands/create-command.js')).createCommand,
  },
  {
    name: 'send',
    summary: 'Send an event to a job (POST /events): prints the new state',
    load: async () => (await import('./commands/send-command.js')).sendCommand,
  },
  {
    name: 'show',
    summary: 'Show one job: state, version, pipeline, data (GET /jobs/:uuid)',
    load: async () => (await import('./commands/show-command.js')).showCommand,
  },
  {
    name: 'ls',
    summary: 'List jobs, newest created first, filtered by pipeline, state, owner, site or time (GET /jobs)',
    load: async () => (await import('./commands/ls-command.js')).lsCommand,
  },
  {
    name: 'history',
    summary: 'Show how a job got where it is: every applied event (GET /jobs/:uuid/history)',
    load: async () => (await import('./commands/history-command.js')).historyCommand,
  },
  {
    name: 'claim',
    summary: "Claim the oldest claimable jobs of a site's queue for a lease, or release one (POST /claims)",
    load: async () => (await import('./commands/claim-command.js')).claimCommand,
  },
  {
    name: 'watch',
    summary: 'Print state changes live as the manager applies events (GET /changes), until Ctrl-C',
    load: async () => (await import('./commands/watch-command.js')).watchCommand,
  },
  {
    name: 'token',
    summary: 'Issue a fresh token for a job with the server secret (operators; PJM_SECRET or PJM_DATA_DIR)',
    load: async () => (await import('./commands/token-command.js')).tokenCommand,
  },
  {
    name: 'nonce',
    summary: 'Create, list or revoke sender nonces (x-nonce) for Agave, Slurm and other callers',
    load: async () => (await import('./commands/nonce-command.js')).nonceCommand,
  },
  {
    name: 'dead',
    summary: 'List, show, replay or purge dead letters: the events the manager refused, by reason code (admin)',
    load: async () => (await import('./commands/dead-command.js')).deadCommand,
  },
  {
    name: 'pipelines',
    summary: 'Validate a pipeline registry file, list its pipelines or show one (PJM_PIPELINES, docs/pipelines.md)',
    load: async () => (await import('./commands/pipelines-command.js')).pipelinesCommand,
  },
  {
    name: 'fsm',
    summary: 'Print the pipeline-job state machine (Mermaid diagram, or --json)',
    load: async () => (await import('./commands/fsm-command.js')).fsmCommand,
  },
  {
    name: 'slurm-mail',
    summary: 'Slurm MailProg: report a Slurm job notification to the bridge (see docs/slurm.md)',
    load: async () => (await import('./commands/slurm-mail-command.js')).slurmMailCommand,
  },
];
