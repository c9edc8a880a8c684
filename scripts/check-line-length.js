#!/usr/bin/env node
// No source line over 120 characters (.editorconfig's max_line_length), in the files Prettier does
// not wrap as well as in those it does: Prettier leaves long strings, comments and regular
// expressions as they are, and does not format shell scripts, Python or the Dockerfile.
//
//   node scripts/check-line-length.js     lists every longer line as file:line: length; exit 1 if any
//
// JSON (a string cannot be wrapped), Markdown (prose and tables) and recorded test fixtures are
// exempt.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const LIMIT = 120;
const SOURCE = /(\.(ts|js|cjs|mjs|sh|py|ya?ml|toml)|(^|\/)(Dockerfile|run))$/;
const EXEMPT = /^(test\/fixtures|tap-snapshots)\//;

const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
  encoding: 'utf8',
})
  .split('\0')
  .filter((file) => SOURCE.test(file) && !EXEMPT.test(file));

const long = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // listed by git but deleted in the work tree
  }
  text.split('\n').forEach((line, index) => {
    const length = [...line].length;
    if (length > LIMIT) long.push(`${file}:${index + 1}: ${length}`);
  });
}

if (long.length > 0) {
  process.stderr.write(`${long.length} line(s) over ${LIMIT} characters:\n${long.join('\n')}\n`);
  process.exit(1);
}
console.log(`no line over ${LIMIT} characters in ${files.length} source files`);
