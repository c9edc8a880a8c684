import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseRegistry } from '../../../registry/parse-registry.js';

const DOC = readFileSync(new URL('../../../docs/pipelines.md', import.meta.url), 'utf8');

t.test(
  'the YAML examples of docs/pipelines.md load, and the documented messages are what the checks say',
  async (t) => {
    const blocks = [...DOC.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    t.equal(blocks.length, 3, 'the full example, the launchers and the Rubin file');
    const [native, launchers, rubin] = blocks.map((text, i) => parseRegistry(text, `example-${i}.yaml`));
    t.same(native?.names(), ['ap', 'reduce']);
    t.match(native?.launcherOf('ap', 'slurm'), { type: 'local', concurrency: 4 });
    t.match(launchers?.launcherOf('ap-batch', 'local'), { type: 'slurm', sbatch: ['--partition=debug', '--time=10'] });
    t.equal(rubin?.format, 'rubin');
    t.equal(rubin?.get('ap')?.env.length, 7);
    const err = native?.checkData('ap', { visit: 'x' }, 'request');
    t.match(err?.message, /^request\.data\.ccd is required; request\.data\.visit must be integer/);
    t.ok(
      DOC.includes('request.data.ccd is required; request.data.visit must be integer'),
      'the doc quotes that message',
    );
  },
);
