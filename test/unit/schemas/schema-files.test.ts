import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import * as fsm from '../../../fsm/index.js';
import { schemaDocuments } from '../../../schemas/index.js';
import type { JobEventName, JobState } from '../../../model/job.js';

type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Compile-time: the string unions in model/job.ts equal fsm's (checked by tsc).
const statesMatch: Equal<JobState, fsm.JobState> = true;
const eventsMatch: Equal<JobEventName, fsm.JobEventName> = true;

const dir = new URL('../../../schemas/', import.meta.url);

t.test('schema enums equal the machine in fsm/', (t) => {
  t.ok(statesMatch && eventsMatch);
  const { definitions } = schemaDocuments.common;
  t.same(definitions.jobState.enum, [...fsm.JOB_STATES], '12 states, same order');
  t.same(definitions.eventName.enum, [...fsm.JOB_EVENTS], '16 events, same order');
  t.equal(definitions.jobState.enum.length, 12);
  t.equal(definitions.eventName.enum.length, 16);
  t.end();
});

t.test('every schema file is draft-07, has a unique $id and is exported', (t) => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.schema.json'))
    .sort();
  t.same(
    files,
    [
      'agave-job',
      'claim-request',
      'common',
      'config',
      'create-request',
      'event',
      'history-entry',
      'job',
      'pipeline-registry',
      'slurm-notification',
    ].map((n) => `${n}.schema.json`),
  );
  const ids = new Set<string>();
  const exported = new Set(Object.values(schemaDocuments).map((s) => s.$id));
  for (const file of files) {
    const schema = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { $schema: string; $id: string };
    t.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#', file);
    t.ok(schema.$id.endsWith(`/${file}`), `${file} $id names the file`);
    t.notOk(ids.has(schema.$id), `${file} $id is unique`);
    ids.add(schema.$id);
    t.ok(exported.has(schema.$id), `${file} is in schemaDocuments`);
  }
  t.end();
});
