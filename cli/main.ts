import { PipelineJobsError } from '../errors/index.js';
import { UnreachableError } from './api.js';
import { EXIT, type Command, type CommandIo } from './command.js';
import { bridgeCommand } from './commands/bridge-command.js';
import { createCommand } from './commands/create-command.js';
import { fsmCommand } from './commands/fsm-command.js';
import { historyCommand } from './commands/history-command.js';
import { lsCommand } from './commands/ls-command.js';
import { managerCommand } from './commands/manager-command.js';
import { nonceCommand } from './commands/nonce-command.js';
import { sendCommand } from './commands/send-command.js';
import { serveCommand } from './commands/serve-command.js';
import { showCommand } from './commands/show-command.js';
import { slurmMailCommand } from './commands/slurm-mail-command.js';
import { tokenCommand } from './commands/token-command.js';
import { watchCommand } from './commands/watch-command.js';

const COMMANDS: readonly Command[] = [
  serveCommand,
  managerCommand,
  bridgeCommand,
  createCommand,
  sendCommand,
  showCommand,
  lsCommand,
  historyCommand,
  watchCommand,
  tokenCommand,
  nonceCommand,
  fsmCommand,
  slurmMailCommand,
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: pjm <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "pjm <command> --help" for a command's options. Configuration comes from PJM_* environment\nvariables (see README); client commands call the server at PJM_URL (default http://127.0.0.1:8080).\n--debug prints stack traces. Exit codes: 0 ok, 1 failure, 2 bad usage or configuration,\n3 refused by the server (the message starts with its code), 4 server unreachable.\n`;
}

/** Runs one `pjm` invocation and resolves to its exit code; never throws. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(`pjm: unknown command "${name}" (see pjm --help)\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`Usage: ${command.usage}`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest.filter((arg) => arg !== '--debug'), io);
  } catch (err) {
    const debug = rest.includes('--debug') || io.env['PJM_DEBUG'] === '1' || io.env['PJM_DEBUG'] === 'true';
    const message = err instanceof Error ? err.message : String(err);
    const usageError = err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS');
    const hint = usageError ? ` (see pjm ${name} --help)` : '';
    const coded = err instanceof PipelineJobsError ? `${err.code}: ` : '';
    io.stderr.write(`pjm ${name}: ${coded}${debug && err instanceof Error ? (err.stack ?? message) : message}${hint}\n`);
    return exitCodeOf(err, usageError);
  }
}

function exitCodeOf(err: unknown, usageError: boolean): number {
  if (usageError) return EXIT.usage;
  if (err instanceof UnreachableError) return EXIT.unreachable;
  if (err instanceof PipelineJobsError) return err.code === 'invalid_config' ? EXIT.usage : err.code === 'internal_error' ? EXIT.failure : EXIT.refused;
  return EXIT.failure;
}
