import { readFileSync } from 'node:fs';
import t from 'tap';
import { loadConfig } from '../../../config/index.js';
import { schemaDocuments } from '../../../schemas/index.js';
import { startHttpRig } from '../../helpers/http-rig.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const PROPERTIES: Readonly<Record<string, { description: string; default?: string | number | boolean }>> =
  schemaDocuments.config.properties;

/** The README's configuration table: name → {default, meaning}, backticks dropped. */
function readmeTable(): Map<string, { default: string; meaning: string }> {
  const rows = new Map<string, { default: string; meaning: string }>();
  for (const [, name, value, meaning] of README.matchAll(/^\| `([A-Z_]+)` \| ([^|]*) \| (.*) \|$/gm)) {
    rows.set(name ?? '', {
      default: (value ?? '').replaceAll('`', '').trim(),
      meaning: (meaning ?? '').replaceAll('`', ''),
    });
  }
  return rows;
}

t.test("the README's configuration table says what config.schema.json says", (t) => {
  const table = readmeTable();
  for (const [name, property] of Object.entries(PROPERTIES)) {
    t.same(
      table.get(name),
      {
        default: property.default === undefined ? '' : String(property.default),
        meaning: property.description.replaceAll('`', ''),
      },
      name,
    );
  }
  t.end();
});

t.test('API_BASEPATH promises no route that is not served', async (t) => {
  const rig = await startHttpRig();
  t.teardown(() => rig.close());
  const base = loadConfig({}).API_BASEPATH;
  const served = [];
  for (const method of ['GET', 'POST'] as const) {
    const answer = await rig.app.inject({ method, url: `${base}/job?id=1`, ...(method === 'POST' && { payload: {} }) });
    if (answer.json<{ error?: { code: string } }>().error?.code !== 'not_found') served.push(method);
  }
  const description = PROPERTIES['API_BASEPATH']?.description ?? '';
  if (served.length === 0) t.match(description, /not served yet/, `no route under ${base}/job: documented as reserved`);
  else t.notMatch(description, /not served yet/, `${served.join(', ')} ${base}/job served: documented as such`);
});
