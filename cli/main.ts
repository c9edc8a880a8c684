import { EXIT, type Command, type CommandIo } from './command.js';
import { bridgeCommand } from './commands/bridge-command.js';
import { fsmCommand } from './commands/fsm-command.js';
import { managerCommand } from './commands/manager-command.js';
import { nonceCommand } from './commands/nonce-command.js';
import { serveCommand } from './commands/serve-command.js';
import { slurmMailCommand } from './commands/slurm-mail-command.js';

const COMMANDS: readonly Command[] = [serveCommand, managerCommand, bridgeCommand, nonceCommand, slurmMailCommand, fsmCommand];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: pjm <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "pjm <command> --help" for a command's options.\n`;
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
    return await command.run(rest, io);
  } catch (err) {
    const debug = rest.includes('--debug') || io.env['PJM_DEBUG'] === '1';
    const message = err instanceof Error ? err.message : String(err);
    const usageError = err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS');
    const hint = usageError ? ` (see pjm ${name} --help)` : '';
    io.stderr.write(`pjm ${name}: ${debug && err instanceof Error ? (err.stack ?? message) : message}${hint}\n`);
    return usageError ? EXIT.usage : EXIT.failure;
  }
}

