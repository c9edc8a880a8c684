import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  // Opened only when a command reads it (`--data -`).
  get stdin() {
    return process.stdin;
  },
});
