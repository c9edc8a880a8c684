import { createRequire } from 'node:module';
import { PipelineJobsError } from '../errors/index.js';
import { UnreachableError } from './api.js';
import { COMMANDS } from './command-list.js';
import { EXIT, type CommandIo } from './command.js';

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: pjm <command> [options]

Commands:
${lines.join('\n')}

Run "pjm <command> --help" for a command's options, "pjm --version" for the version.
Configuration comes from PJM_* environment variables (see README). Client commands call the
server at PJM_URL; unset, at PJM_HTTP_HOST:PJM_HTTP_PORT, where pjm serve listens with the same
variables (default http://127.0.0.1:8080). --debug prints stack traces.

Exit codes:
  0    ok
  1    failure
  2    bad usage or configuration: nothing was attempted
  3    refused by the server (the message starts with its code)
  4    server unreachable
  5    pending: the server took the event, but it is not applied yet (it waits for an earlier
       event and will be applied or dead-lettered, or no manager is running)
  141  standard output was closed early (e.g. by | head), as for a tool killed by SIGPIPE
`;
}

/** The package version, read on demand (package.json is exported for this). */
function version(): string {
  return (createRequire(import.meta.url)('pipelinejobs/package.json') as { version: string }).version;
}

/** Runs one `pjm` invocation and resolves to its exit code; never throws. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    io.stderr.write(`pjm: unknown command "${name}" (see pjm --help)\n`);
    return EXIT.usage;
  }
  const debug = rest.includes('--debug') || io.env['PJM_DEBUG'] === '1' || io.env['PJM_DEBUG'] === 'true';
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(`Usage: ${command.usage}`);
      return EXIT.ok;
    }
    return await command.run(
      rest.filter((arg) => arg !== '--debug'),
      io,
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const usageError = err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS');
    const hint = usageError ? ` (see pjm ${name} --help)` : '';
    const coded = err instanceof PipelineJobsError ? `${err.code}: ` : '';
    io.stderr.write(
      `pjm ${name}: ${coded}${debug && err instanceof Error ? (err.stack ?? message) : message}${hint}\n`,
    );
    return exitCodeOf(err, usageError);
  }
}

function exitCodeOf(err: unknown, usageError: boolean): number {
  if (usageError) return EXIT.usage;
  if (err instanceof UnreachableError) return EXIT.unreachable;
  if (err instanceof PipelineJobsError)
    return err.code === 'invalid_config' || err.code === 'invalid_registry'
      ? EXIT.usage
      : err.code === 'internal_error'
        ? EXIT.failure
        : EXIT.refused;
  return EXIT.failure;
}
