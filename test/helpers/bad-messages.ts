import { randomUUID } from 'node:crypto';
import { JobTokens } from '../../model/job-tokens.js';
import { TEST_SECRET } from './manager-rig.js';

/** A message the manager must refuse, and the reason code it must refuse it with. */
export interface BadMessage {
  readonly body: Buffer;
  readonly code: string;
}

/** Where the bad messages point: live jobs, ended jobs, and (by index) jobs that do not exist. */
export interface BadMessageTargets {
  readonly running: readonly string[];
  readonly finished: readonly string[];
  readonly tokens: JobTokens;
  /** The uuid of the i-th event for a job that does not exist (default: a random one). */
  readonly unknown?: (i: number) => string;
  /** The size of the data of the oversized messages (default 2 MiB). */
  readonly oversizedBytes?: number;
}

/**
 * `count` bad messages, cycling through every way a message can be refused: malformed JSON, not
 * an object, schema violations, unknown events, unknown jobs, illegal transitions, oversized,
 * too deep, hostile keys (`$where`, `a.b`, `__proto__`), missing, invalid and expired tokens.
 * Tokens are signed with the rigs' {@link TEST_SECRET}.
 */
export function badMessages(count: number, targets: BadMessageTargets): BadMessage[] {
  const { running, finished, tokens } = targets;
  const unknown = targets.unknown ?? (() => randomUUID());
  const oversized = targets.oversizedBytes ?? 2 * 1024 * 1024;
  const now = new Date();
  const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
  const pick = (list: readonly string[], i: number): string => list[i % list.length] ?? '';
  const makers: Array<(i: number) => BadMessage> = [
    () => ({ body: Buffer.from('{"name": "run", "uuid": '), code: 'malformed_json' }),
    () => ({ body: Buffer.from([0xff, 0xfe, 0x00, 0x7b]), code: 'malformed_json' }),
    () => ({ body: json([{ name: 'run' }]), code: 'not_an_object' }),
    (i) => ({ body: json({ name: 'run', uuid: 12345 + i }), code: 'schema_violation' }),
    (i) => ({
      body: json({
        name: 'update',
        uuid: pick(running, i),
        token: tokens.issue(pick(running, i), now),
        data: 'not an object',
      }),
      code: 'schema_violation',
    }),
    (i) => ({
      body: json({ name: 'explode', uuid: pick(running, i), token: tokens.issue(pick(running, i), now) }),
      code: 'unknown_event',
    }),
    (i) => {
      const uuid = unknown(i);
      return { body: json({ name: 'run', uuid, token: tokens.issue(uuid, now) }), code: 'unknown_job' };
    },
    (i) => ({
      body: json({ name: 'cancel', uuid: pick(running, i), token: tokens.issue(pick(running, i), now) }),
      code: 'illegal_transition',
    }),
    (i) => ({
      body: json({ name: 'run', uuid: pick(finished, i), token: tokens.issue(pick(finished, i), now) }),
      code: 'illegal_transition',
    }),
    (i) => ({
      body: json({
        name: 'update',
        uuid: pick(running, i),
        token: tokens.issue(pick(running, i), now),
        data: { blob: 'x'.repeat(oversized) },
      }),
      code: 'payload_too_large',
    }),
    (i) => {
      let deep: unknown = 'bottom';
      for (let d = 0; d < 100; d++) deep = { d: deep };
      return {
        body: json({ name: 'update', uuid: pick(running, i), token: tokens.issue(pick(running, i), now), data: deep }),
        code: 'too_deep',
      };
    },
    (i) => ({
      body: Buffer.from(
        `{"name":"update","uuid":"${pick(running, i)}","token":"${tokens.issue(pick(running, i), now)}",` +
          '"$where":"sleep(100)","a.b":1,"__proto__":{"polluted":true}}',
      ),
      code: 'schema_violation',
    }),
    (i) => ({ body: json({ name: 'update', uuid: pick(running, i), data: { a: 1 } }), code: 'token_missing' }),
    (i) => ({
      body: json({ name: 'update', uuid: pick(running, i), token: tokens.issue(pick(finished, i), now) }),
      code: 'token_invalid',
    }),
    (i) => ({
      body: json({
        name: 'update',
        uuid: pick(running, i),
        token: new JobTokens(TEST_SECRET, -10).issue(pick(running, i), now),
      }),
      code: 'token_expired',
    }),
  ];
  return Array.from({ length: count }, (_, i) => (makers[i % makers.length] as (i: number) => BadMessage)(i));
}
