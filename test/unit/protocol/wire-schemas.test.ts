import t from 'tap';
import type { CreateJobRequest } from '../../../client/transport.js';
import { ERROR_CODES, type ErrorCode } from '../../../errors/index.js';
import { JOB_STATES } from '../../../fsm/index.js';
import { EVENT_ANSWER_SCHEMA, type CreateAnswer, type EventAnswer } from '../../../protocol/http-answers.js';
import type { ManagerAcceptance, ManagerRefusal } from '../../../protocol/manager-reply.js';
import type { SlurmArrayEnd } from '../../../protocol/slurm-subject.js';
import { schemaDocuments } from '../../../schemas/index.js';
import type { JobState } from '../../../model/job.js';
import type {
  CreateEventMessage,
  CreateRequest,
  EventMessage,
  JobEventMessage,
  SlurmNotification,
  StatusEventMessage,
} from '../../../schemas/types.js';

// The wire types are TypeScript; the JSON Schemas are the source of truth. Each `satisfies`
// below fails to compile when a type gains or loses a field (a missing or an excess key), and
// each test fails when the schema and that list part ways: together, a drift breaks the build.

type KeysOfUnion<T> = T extends unknown ? keyof T : never;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

const sorted = (keys: Iterable<string>): string[] => [...keys].sort();

interface ObjectSchema {
  readonly properties: Readonly<Record<string, unknown>>;
  readonly required?: readonly string[];
}

const eventMessageKeys = {
  id: true,
  uuid: true,
  name: true,
  status: true,
  phase: true,
  data: true,
  token: true,
  pipeline: true,
  source: true,
  detail: true,
  seq: true,
  owner: true,
  site: true,
  queue: true,
  ulid: true,
  archivePath: true,
  creator: true,
  heartbeat: true,
} satisfies Record<KeysOfUnion<EventMessage>, true>;
const createRequired = { name: true, pipeline: true } satisfies Record<RequiredKeys<CreateEventMessage>, true>;
const jobEventRequired = { name: true, uuid: true } satisfies Record<RequiredKeys<JobEventMessage>, true>;
const statusEventRequired = { status: true, uuid: true } satisfies Record<RequiredKeys<StatusEventMessage>, true>;

t.test('the event message type has the fields and required fields of event.schema.json', async (t) => {
  const schema = schemaDocuments.event;
  t.same(sorted(Object.keys(eventMessageKeys)), sorted(Object.keys(schema.properties)));
  t.same(sorted(Object.keys(createRequired)), sorted(schema.then.required), 'create');
  t.same(sorted(Object.keys(jobEventRequired)), sorted(schema.else.else.required), 'job-scoped events');
  t.same(sorted(Object.keys(statusEventRequired)), sorted(schema.else.then.required), 'job-scoped status words');
  t.same(schema.else.if.required, ['status'], 'a job-scoped event gives a status word, or else names its event');
});

const createRequestKeys = {
  pipeline: true,
  data: true,
  owner: true,
  site: true,
  queue: true,
  archivePath: true,
  detail: true,
  heartbeat: true,
} satisfies Record<keyof CreateRequest, true>;
const clientCreateKeys = {
  pipeline: true,
  data: true,
  owner: true,
  site: true,
  queue: true,
  archivePath: true,
} satisfies Record<keyof CreateJobRequest, true>;

t.test(
  'create requests (the bridge parses them, the client sends them) match create-request.schema.json',
  async (t) => {
    const schema: ObjectSchema = schemaDocuments.createRequest;
    t.same(sorted(Object.keys(createRequestKeys)), sorted(Object.keys(schema.properties)));
    for (const key of Object.keys(clientCreateKeys))
      t.ok(key in schema.properties, `the client's ${key} is in the schema`);
    for (const key of schema.required ?? []) t.ok(key in clientCreateKeys, `the client always sends ${key}`);
  },
);

const slurmKeys = { subject: true, user: true, env: true, arrayEnd: true } satisfies Record<
  keyof SlurmNotification,
  true
>;
const arrayEndKeys = { tasks: true, states: true, notCompleted: true } satisfies Record<keyof SlurmArrayEnd, true>;

t.test('what pjm slurm-mail posts matches slurm-notification.schema.json', async (t) => {
  const schema: ObjectSchema = schemaDocuments.slurmNotification;
  t.same(sorted(Object.keys(slurmKeys)), sorted(Object.keys(schema.properties)));
  const arrayEnd = schema.properties['arrayEnd'] as ObjectSchema;
  t.same(sorted(Object.keys(arrayEndKeys)), sorted(Object.keys(arrayEnd.properties)));
  t.same(sorted(arrayEnd.required ?? []), sorted(Object.keys(arrayEndKeys)), 'every array-end field is required');
});

const eventAnswerKeys = { eventId: true, uuid: true, status: true, state: true, version: true } satisfies Record<
  keyof EventAnswer,
  true
>;

t.test('the event answer type is what the bridge serialises with', async (t) => {
  t.same(sorted(Object.keys(eventAnswerKeys)), sorted(Object.keys(EVENT_ANSWER_SCHEMA.properties)));
  const createOnly = { token: true, pipeline: true, archivePath: true, callbacks: true } satisfies Record<
    Exclude<keyof CreateAnswer, keyof EventAnswer>,
    true
  >;
  t.ok(
    Object.keys(createOnly).length > 0,
    'a create answer is an event answer with the job token, pipeline, archive path and callbacks',
  );
});

t.test('replies and answers carry machine states and error codes', async (t) => {
  const states: readonly string[] = schemaDocuments.common.definitions.jobState.enum;
  t.same(sorted(states), sorted(JOB_STATES), 'the schema states are the machine states');
  const replied: ManagerAcceptance['state'] = 'CREATED';
  const answered: NonNullable<EventAnswer['state']> = replied;
  const machine: JobState = answered;
  t.ok(states.includes(machine), 'replies and answers name their state with the machine type');
  const code: ManagerRefusal['error']['code'] = 'illegal_transition';
  t.ok(Object.hasOwn(ERROR_CODES, code satisfies ErrorCode), 'refusals carry codes of errors/');
});
