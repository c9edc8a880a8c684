import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The path of `bin/pjm.js` (the installed binary, which runs `dist/`), or why it cannot stand for
 * the sources: dist missing or older than a CLI, app/ or config/ source file (`npm run build` fixes both).
 */
export function builtPjm(): { bin: string } | { stale: string } {
  const sources = ['cli', 'cli/commands', 'app', 'config'].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(dir, f)),
  );
  for (const source of sources) {
    const built = join(ROOT, 'dist', source.replace(/\.ts$/, '.js'));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(ROOT, source)).mtimeMs)
      return { stale: `${built} is missing or older than ${source}: run npm run build` };
  }
  return { bin: join(ROOT, 'bin', 'pjm.js') };
}
