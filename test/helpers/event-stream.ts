import { randomUUID } from 'node:crypto';
import type { JobState } from '../../fsm/index.js';
import { jobUuid } from '../../model/job-identity.js';
import type { JobTokens } from '../../model/job-tokens.js';
import type { EventMessage } from '../../schemas/types.js';

/** One job of a generated stream: its events in publish order and the state they lead to. */
export interface StreamJob {
  readonly uuid: string;
  readonly pipeline: string;
  readonly events: EventMessage[];
  readonly finalState: JobState;
}

/** A small seeded PRNG (mulberry32), so a failing shuffle can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `jobs` jobs of `eventsPerJob` sequenced events each: create, run, updates, then finish (or
 * fail for every seventh job), every event with an id, a seq and a valid token.
 */
export function makeStream(options: {
  jobs: number;
  eventsPerJob: number;
  tokens: JobTokens;
  pipeline?: string;
}): StreamJob[] {
  const pipeline = options.pipeline ?? `itest-${randomUUID().slice(0, 8)}`;
  const now = new Date();
  return Array.from({ length: options.jobs }, (_, j) => {
    const data = { j, sample: `s-${j}` };
    const uuid = jobUuid(pipeline, data);
    const token = options.tokens.issue(uuid, now);
    const fails = j % 7 === 6;
    const events: EventMessage[] = [{ id: randomUUID(), name: 'create', pipeline, data, seq: 1 }];
    events.push({ id: randomUUID(), uuid, name: 'run', token, seq: 2, data: { host: `node-${j % 5}` } });
    for (let s = 3; s < options.eventsPerJob; s++)
      events.push({ id: randomUUID(), uuid, name: 'update', token, seq: s, data: { step: s } });
    events.push({
      id: randomUUID(),
      uuid,
      name: fails ? 'fail' : 'finish',
      token,
      seq: options.eventsPerJob,
      data: { exit: fails ? 3 : 0 },
    });
    return { uuid, pipeline, events, finalState: fails ? 'FAILED' : 'FINISHED' };
  });
}

/** Moves each element at most `window - 1` places, by random swaps inside consecutive windows. */
function shuffleWithin<T>(items: readonly T[], window: number, random: () => number): T[] {
  const out = [...items];
  for (let start = 0; start < out.length; start += window) {
    for (let i = Math.min(start + window, out.length) - 1; i > start; i--) {
      const k = start + Math.floor(random() * (i - start + 1));
      [out[i], out[k]] = [out[k] as T, out[i] as T];
    }
  }
  return out;
}

/**
 * The delivery order of a stream: optionally every event twice, each job's events shuffled within
 * windows of `window`, and the jobs interleaved at random (each job's own order kept).
 */
export function deliveryOrder(
  jobs: readonly StreamJob[],
  options: { twice: boolean; window: number; seed: number },
): EventMessage[] {
  const random = seededRandom(options.seed);
  const lanes = jobs.map((job) => {
    const events = options.twice ? job.events.flatMap((e) => [e, e]) : job.events;
    return shuffleWithin(events, options.window, random);
  });
  const out: EventMessage[] = [];
  const cursors = lanes.map(() => 0);
  let remaining = lanes.reduce((n, lane) => n + lane.length, 0);
  while (remaining > 0) {
    const j = Math.floor(random() * lanes.length);
    const lane = lanes[j] ?? [];
    const at = cursors[j] ?? 0;
    if (at >= lane.length) continue;
    out.push(lane[at] as EventMessage);
    cursors[j] = at + 1;
    remaining--;
  }
  return out;
}
