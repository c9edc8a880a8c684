import t, { type Test } from 'tap';
import { PipelineJobsError } from '../../../errors/index.js';
import { ADMIN_EVENTS, JOB_EVENTS } from '../../../fsm/index.js';
import { schemaDocuments } from '../../../schemas/index.js';
import {
  BUILTIN_VOCABULARIES,
  BUILTIN_VOCABULARY_DEFINITIONS,
  builtinStatus,
} from '../../../registry/builtin-vocabularies.js';
import { parseRegistry } from '../../../registry/parse-registry.js';
import { readRegistry } from '../../../registry/read-registry.js';
import { phaseRefusal, translateStatus, type Vocabulary } from '../../../registry/vocabulary.js';

const registry = readRegistry(new URL('../../fixtures/registry/vocabularies.yaml', import.meta.url).pathname);
const vocabulary = (pipeline: string): Vocabulary => {
  const found = registry.vocabularyOf(pipeline);
  if (found === undefined) throw new Error(`no vocabulary for ${pipeline}`);
  return found;
};
const hrsi = vocabulary('hrsi-fsc');
const photon = vocabulary('telescope');

// HR-S&I's check_status_change trigger, as seed-systems.md §4.2 writes it: statuses by number.
const HRSI = [
  'initialized',
  'configured',
  'ready',
  'queued',
  'started',
  'pre_processing',
  'processing',
  'post_processing',
  'processed',
  'start_publication',
  'published',
  'done',
  'internal_error',
  'external_error',
  'error_checked',
  'cancelled',
];
const ALL = HRSI.map((_, i) => i + 1);
const TABLE: Record<number | 'none', number[]> = {
  none: [1, 5, 13, 16],
  1: [2, 13, 14, 16],
  2: [3, 13, 16],
  3: [4, 13, 14, 16],
  4: [5, 13],
  5: [6, 13, 14, 16],
  6: [7, 13, 14, 16],
  7: [8, 13, 14, 16],
  8: [9, 13, 14, 16],
  9: [10, 12, 13, 14, 16],
  10: [11, 13, 14, 16],
  11: [12],
  12: [13, 14],
  13: [13, 14, 15],
  14: [5, 13, 14, 15],
  15: ALL,
  16: [13],
};

/** The invalid_registry error for `text`, with its problems. */
function refusal(t: Test, text: string): PipelineJobsError & { details: { errors: object[] } } {
  try {
    parseRegistry(text, 'reg.yaml');
  } catch (err) {
    t.equal((err as PipelineJobsError).code, 'invalid_registry');
    return err as PipelineJobsError & { details: { errors: object[] } };
  }
  t.fail('the registry was accepted');
  throw new Error('unreachable');
}

t.test('the example registry loads: named vocabularies are shared, inline and built-in ones resolve', async (t) => {
  t.same(registry.names(), ['hrsi-fsc', 'hrsi-ice', 'tapis-app', 'telescope', 'transfer']);
  t.equal(hrsi.statuses.size, 16);
  t.equal(hrsi.name, 'hrsi');
  t.equal(registry.vocabularyOf('hrsi-ice'), hrsi, 'one compiled vocabulary for the pipelines that name it');
  t.equal(registry.vocabularyOf('tapis-app'), BUILTIN_VOCABULARIES.get('agave'));
  t.equal(vocabulary('transfer').name, 'pipeline transfer');
  t.same([...vocabulary('transfer').phases].sort(), ['copying', 'failed', 'verified']);
});

t.test(
  'HR-S&I: every move of the 16×16 transition table (and the first status) is allowed or refused as the trigger does',
  async (t) => {
    for (const from of ['none', ...ALL] as const) {
      const fromPhase = from === 'none' ? undefined : HRSI[from - 1];
      for (const to of ALL) {
        const toPhase = HRSI[to - 1] as string;
        const allowed = TABLE[from]?.includes(to) === true;
        const refused = phaseRefusal(hrsi, fromPhase, toPhase);
        t.equal(refused === undefined, allowed, `${fromPhase ?? '(none)'} → ${toPhase}`);
      }
    }
  },
);

t.test('a refused phase move says which, and what may follow', async (t) => {
  t.equal(
    phaseRefusal(hrsi, 'published', 'processing'),
    'vocabulary hrsi does not allow phase "published" → "processing" (allowed after "published": done)',
  );
  t.match(phaseRefusal(hrsi, undefined, 'queued'), /does not allow phase "queued" first \(allowed first: initialized/);
  t.match(phaseRefusal(hrsi, 'processing', 'EXPOSING'), /"EXPOSING" is not a phase of vocabulary hrsi/);
  t.equal(phaseRefusal(hrsi, 'QUEUED', 'started'), undefined, 'a phase hrsi does not declare counts as none yet');
  t.equal(phaseRefusal(photon, 'COMPLETE', 'UNREAD'), undefined, 'no table: any move');
  t.equal(phaseRefusal(undefined, 'a', 'b'), undefined, 'no vocabulary: any move');
  t.match(phaseRefusal(vocabulary('transfer'), 'verified', 'copying'), /allowed after "verified": none/);
});

t.test('translateStatus: case-insensitive words, the declared spelling as phase', async (t) => {
  t.same(translateStatus('processing', hrsi, 'hrsi-fsc'), { name: 'run', phase: 'processing' });
  t.same(translateStatus(' PROCESSING ', hrsi, 'hrsi-fsc'), { name: 'run', phase: 'processing' });
  t.same(translateStatus('error_checked', hrsi, 'hrsi-fsc'), { name: 'retire', phase: 'error_checked' });
  t.same(translateStatus('completed', photon, 'telescope'), { name: 'finish', phase: 'COMPLETE' });
  t.same(translateStatus('ping', vocabulary('transfer'), 'transfer'), { name: 'update' }, 'phase: null keeps it');
});

t.test('free-form words (otherwise) keep their own spelling as the phase', async (t) => {
  t.same(translateStatus('FOCUSING', photon, 'telescope'), { name: 'update', phase: 'FOCUSING' });
  t.same(translateStatus('Slewing to target', photon, 'telescope'), { name: 'update', phase: 'Slewing to target' });
});

t.test('an unknown word, or a pipeline without a vocabulary: unknown_status naming both', async (t) => {
  const unknown = translateStatus('procesing', hrsi, 'hrsi-fsc');
  t.type(unknown, PipelineJobsError);
  t.match(unknown, {
    code: 'unknown_status',
    message: /^status "procesing" is not a word of vocabulary hrsi \(pipeline "hrsi-fsc"\); its words: initialized, /,
    details: { status: 'procesing', pipeline: 'hrsi-fsc', vocabulary: 'hrsi' },
  });
  t.equal((unknown as PipelineJobsError).details['known'] instanceof Array, true);
  t.match(translateStatus('RUNNING', undefined, 'reduce'), {
    code: 'unknown_status',
    message: 'status "RUNNING" cannot be read: pipeline "reduce" has no status vocabulary; send an event name',
  });
});

t.test('the built-in vocabularies are written as a registry file would write them', async (t) => {
  const text = JSON.stringify({
    vocabularies: {
      'agave-copy': BUILTIN_VOCABULARY_DEFINITIONS['agave'],
      'slurm-copy': BUILTIN_VOCABULARY_DEFINITIONS['slurm'],
    },
    pipelines: { a: { vocabulary: 'agave-copy' }, s: { vocabulary: 'slurm-copy' } },
  });
  const copy = parseRegistry(text, 'copy.json');
  t.same(
    [...(copy.vocabularyOf('a')?.statuses.keys() ?? [])],
    [...(BUILTIN_VOCABULARIES.get('agave')?.statuses.keys() ?? [])],
  );
  t.equal(copy.vocabularyOf('s')?.statuses.size, BUILTIN_VOCABULARIES.get('slurm')?.statuses.size);
});

t.test('unusable vocabularies are invalid_registry errors naming the file, the pipeline and the key', async (t) => {
  const badEvent = refusal(t, 'vocabularies:\n  v:\n    statuses: {go: runn}\npipelines: {}\n');
  t.match(
    badEvent.message,
    /invalid pipeline registry reg\.yaml: key "vocabularies\.v\.statuses\.go" must be one of: run, update/,
  );
  t.match(
    refusal(t, 'pipelines:\n  p:\n    vocabulary:\n      statuses: {go: {event: reset}}\n').message,
    /pipeline "p": key "vocabulary\.statuses\.go\.event" must be one of: run,/,
  );
  t.match(
    refusal(t, 'pipelines:\n  p:\n    vocabulary: {statuses: {go: create}}\n').message,
    /pipeline "p": key "vocabulary\.statuses\.go" must be one of/,
  );
  t.match(
    refusal(
      t,
      'pipelines:\n  p:\n    vocabulary:\n      statuses: {go: run, stop: finish}\n' +
        '      transitions: {go: [stop, gone], stop: []}\n',
    ).message,
    /pipeline "p": key "vocabulary\.transitions\.go" names phase "gone", which no status of the vocabulary sets/,
  );
  t.match(
    refusal(
      t,
      'pipelines:\n  p:\n    vocabulary:\n      statuses: {go: run, stop: finish}\n      transitions: {go: [stop]}\n',
    ).message,
    /pipeline "p": key "vocabulary\.transitions" has no entry for phase "stop" \(write stop: \[\] for a final one\)/,
  );
  t.match(
    refusal(t, 'pipelines:\n  p:\n    vocabulary:\n      statuses: {go: run}\n      transitions: {go: [], went: []}\n')
      .message,
    /key "vocabulary\.transitions\.went" names phase "went"/,
  );
  t.match(
    refusal(t, 'pipelines:\n  p:\n    vocabulary:\n      statuses: {go: run}\n      initial: [go]\n').message,
    /key "vocabulary\.initial" needs "transitions"/,
  );
  t.match(
    refusal(
      t,
      'pipelines:\n  p:\n    vocabulary:\n      statuses: {go: run}\n' +
        '      otherwise: update\n      transitions: {go: []}\n',
    ).message,
    /key "vocabulary\.otherwise" makes every unlisted word a phase/,
  );
  t.match(
    refusal(t, 'pipelines:\n  p:\n    vocabulary:\n      statuses: {Go: run, GO: finish}\n').message,
    /key "vocabulary\.statuses\.GO" repeats word "Go" \(words match case-insensitively\)/,
  );
  t.match(
    refusal(t, 'pipelines:\n  p: {vocabulary: hrsi}\n').message,
    /pipeline "p": key "vocabulary" names no vocabulary "hrsi"; known: agave, photonranch, slurm/,
  );
  t.match(
    refusal(t, 'vocabularies:\n  agave: {statuses: {go: run}}\npipelines: {}\n').message,
    /key "vocabularies\.agave" redefines the built-in vocabulary agave/,
  );
  t.match(
    refusal(t, 'pipelines:\n  p:\n    vocabulary: {statuses: {}}\n').message,
    /key "vocabulary\.statuses" must NOT have fewer than 1 properties/,
  );
  t.match(
    refusal(t, 'pipelines:\n  p:\n    vocabulary: {statuses: {go: run}, colours: 3}\n').message,
    /key "vocabulary\.colours" is not a known key/,
  );
  const many = refusal(
    t,
    'vocabularies:\n  v:\n    statuses: {a: run}\n    transitions: {a: [b]}\npipelines:\n  p: {vocabulary: w}\n',
  );
  t.equal(many.details.errors.length, 2, 'every problem at once');
  t.match(many.details.errors, [{ key: 'vocabularies.v.transitions.a' }, { pipeline: 'p', key: 'vocabulary' }]);
});

t.test('a status word may stand for any machine event but create and the admin-only reset and ready', async (t) => {
  const allowed = schemaDocuments.pipelineRegistry.definitions.vocabularyEvent.enum;
  const events = JOB_EVENTS.filter((e) => !['create', ...ADMIN_EVENTS].includes(e));
  t.same([...allowed].sort(), [...events, 'heartbeat'].sort(), 'or a heartbeat (Agave HEARTBEAT)');
});

t.test("Agave's HEARTBEAT is a heartbeat that leaves the phase", async (t) => {
  t.same(builtinStatus('agave', 'HEARTBEAT'), { name: 'heartbeat' });
});
