import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { JobLanes } from '../../../actors/job-lanes.js';

t.test('tasks of one key run in order, one at a time; keys run concurrently', async (t) => {
  const lanes = new JobLanes();
  const log: string[] = [];
  let running = 0;
  let maxA = 0;
  for (let i = 0; i < 5; i++) {
    lanes.run('a', async () => {
      running++;
      maxA = Math.max(maxA, running);
      await sleep(5 - i);
      log.push(`a${i}`);
      running--;
    });
  }
  lanes.run('b', async () => {
    log.push('b0');
  });
  t.equal(lanes.size, 2);
  await lanes.idle();
  t.same(
    log.filter((l) => l.startsWith('a')),
    ['a0', 'a1', 'a2', 'a3', 'a4'],
    'per-key order kept though later tasks are faster',
  );
  t.equal(maxA, 1, 'never two tasks of one key at once');
  t.ok(log.indexOf('b0') < log.indexOf('a4'), 'another key did not wait for key a');
  t.equal(lanes.size, 0, 'finished lanes are dropped');
});
