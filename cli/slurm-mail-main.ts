import { PipelineJobsError } from '../errors/index.js';
import { EXIT } from './command.js';
import { slurmMailCommand } from './commands/slurm-mail-command.js';

// The MailProg entry point (bin/pjm-slurm-mail.js): slurmctld starts one process per mail and
// kills it after 120 s, so this loads the slurm-mail command alone, not the whole CLI with its
// servers and database drivers.
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`Usage: ${slurmMailCommand.usage}`);
} else {
  try {
    process.exitCode = await slurmMailCommand.run(args, {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
    });
  } catch (err) {
    const usage = err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS');
    const coded = err instanceof PipelineJobsError ? `${err.code}: ` : '';
    process.stderr.write(`pjm slurm-mail: ${coded}${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode =
      usage || (err instanceof PipelineJobsError && err.code === 'invalid_config') ? EXIT.usage : EXIT.failure;
  }
}
