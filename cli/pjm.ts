import { EXIT } from './command.js';
import { main } from './main.js';

// A reader that stops early (`pjm ls | head -1`) closes the pipe under us: the next write fails
// with EPIPE. Stop at once, quietly, with the status a shell gives a tool killed by SIGPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(EXIT.closedOutput);
  });
}

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  // Opened only when a command reads it (`--data -`).
  get stdin() {
    return process.stdin;
  },
});
