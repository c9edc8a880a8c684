import t from 'tap';
import {
  JOB_EVENTS,
  JOB_STATES,
  acceptedLater,
  describeMachine,
  nextState,
  type JobEventName,
  type JobState,
} from '../../../fsm/index.js';

// An independent copy of the table in architecture.md ("=" means the state is unchanged).
const ARCHITECTURE_TABLE: Record<JobEventName, [from: JobState[], to: JobState | '=']> = {
  create: [['CREATED'], 'CREATED'],
  run: [['CREATED', 'RUNNING'], 'RUNNING'],
  update: [['CREATED', 'RUNNING', 'VALIDATING', 'INDEXING'], '='],
  resource: [['CREATED', 'RUNNING'], '='],
  fail: [['CREATED', 'RUNNING', 'VALIDATING', 'INDEXING'], 'FAILED'],
  finish: [['RUNNING', 'FINISHED'], 'FINISHED'],
  index: [['FINISHED', 'INDEXING'], 'INDEXING'],
  indexed: [['FINISHED', 'INDEXING'], 'FINISHED'],
  validate: [['FINISHED', 'VALIDATED'], 'VALIDATING'],
  validated: [['VALIDATING', 'VALIDATED'], 'VALIDATED'],
  reject: [['VALIDATING'], 'REJECTED'],
  finalize: [['VALIDATED'], 'FINALIZED'],
  retire: [['FAILED', 'FINALIZED', 'FINISHED', 'REJECTED', 'VALIDATING', 'VALIDATED'], 'RETIRED'],
  reset: [
    [
      'CREATED',
      'RUNNING',
      'FAILED',
      'FINISHED',
      'INDEXING',
      'VALIDATING',
      'VALIDATED',
      'REJECTED',
      'FINALIZED',
      'RETIRED',
      'RESET',
    ],
    'RESET',
  ],
  ready: [['RESET'], 'CREATED'],
  cancel: [['CREATED', 'RESET'], 'CANCELLED'],
};

function expected(state: JobState, event: JobEventName): JobState | undefined {
  const [from, to] = ARCHITECTURE_TABLE[event];
  if (!from.includes(state)) return undefined;
  return to === '=' ? state : to;
}

t.test('the machine has the 12 states and 16 events of architecture.md', async (t) => {
  t.equal(JOB_STATES.length, 12);
  t.equal(JOB_EVENTS.length, 16);
  t.same([...JOB_EVENTS].sort(), Object.keys(ARCHITECTURE_TABLE).sort());
});

t.test('every (state, event) pair matches the architecture table', async (t) => {
  let pairs = 0;
  for (const state of JOB_STATES) {
    for (const event of JOB_EVENTS) {
      pairs++;
      const want = expected(state, event);
      const got = nextState(state, event);
      if (want === undefined) {
        t.match(got, { ok: false, reason: 'illegal_transition', from: state }, `${state} --${event}--> refused`);
        if (!got.ok) t.match(got.message, event, 'the refusal names the event');
      } else {
        t.same(got, { ok: true, from: state, to: want }, `${state} --${event}--> ${want}`);
      }
    }
  }
  t.equal(pairs, 12 * 16);
});

t.test('describeMachine (pjm fsm --json) lists exactly the table edges', async (t) => {
  const description = describeMachine();
  t.same(description.states, JOB_STATES);
  t.same(description.events, JOB_EVENTS);
  const edges = new Set<string>();
  for (const tr of description.transitions) {
    for (const from of tr.from) {
      const key = `${from}|${tr.event}|${tr.to}`;
      t.notOk(edges.has(key), `edge ${key} listed once`);
      edges.add(key);
    }
  }
  const want = new Set<string>();
  for (const state of JOB_STATES) {
    for (const event of JOB_EVENTS) {
      const to = expected(state, event);
      if (to !== undefined) want.add(`${state}|${event}|${to}`);
    }
  }
  t.same([...edges].sort(), [...want].sort());
});

t.test('acceptedLater: early events are worth retrying, impossible ones are not', async (t) => {
  t.equal(acceptedLater('CREATED', 'finish'), true, 'finish before run');
  t.equal(acceptedLater('CREATED', 'validated'), true);
  t.equal(acceptedLater('RUNNING', 'index'), true);
  t.equal(acceptedLater('FINISHED', 'run'), false, 'only an admin reset could make run legal again');
  t.equal(acceptedLater('RUNNING', 'cancel'), false, 'cancel after run');
  t.equal(acceptedLater('CANCELLED', 'run'), false);
  t.equal(acceptedLater('RETIRED', 'update'), false);
  t.equal(acceptedLater('RESET', 'run'), false, 'ready is an admin event');
});
