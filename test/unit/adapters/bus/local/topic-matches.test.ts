import t from 'tap';
import { topicMatches } from '../../../../../adapters/bus/local/topic-matches.js';

const cases: Array<[pattern: string, key: string, matches: boolean]> = [
  ['p1.RUNNING', 'p1.RUNNING', true],
  ['p1.RUNNING', 'p1.FAILED', false],
  ['p1.RUNNING', 'p1.RUNNING.x', false],
  ['p1', 'p1.RUNNING', false],
  ['*', 'p1', true],
  ['*', 'p1.RUNNING', false],
  ['p1.*', 'p1.RUNNING', true],
  ['p1.*', 'p1', false],
  ['p1.*', 'p1.a.b', false],
  ['*.FINISHED', 'p2.FINISHED', true],
  ['*.FINISHED', 'p2.FAILED', false],
  ['*.*', 'a.b', true],
  ['*.*', 'a', false],
  ['#', 'p1.RUNNING', true],
  ['#', 'p1', true],
  ['#', '', true],
  ['p1.#', 'p1', true],
  ['p1.#', 'p1.RUNNING', true],
  ['p1.#', 'p1.a.b.c', true],
  ['p1.#', 'p2.RUNNING', false],
  ['#.FINISHED', 'FINISHED', true],
  ['#.FINISHED', 'a.b.FINISHED', true],
  ['#.FINISHED', 'a.FINISHED.b', false],
  ['a.#.b', 'a.b', true],
  ['a.#.b', 'a.x.y.b', true],
  ['a.#.b', 'a.x.y', false],
  ['#.#', 'a.b.c', true],
  ['#.*.#', 'a', true],
  ['*.*.#', 'a', false],
  ['quick.orange.*', 'quick.orange.rabbit', true],
  ['*.orange.*', 'quick.orange.male.rabbit', false],
  ['lazy.#', 'lazy.orange.male.rabbit', true],
  // Words are literal: no regular-expression or glob meaning inside a word.
  ['p.+', 'p.pp', false],
  ['a*', 'ab', false],
  ['a#', 'a#', true],
  ['a.b', 'aXb', false],
];

t.test('AMQP topic semantics: * is one word, # is zero or more', (t) => {
  for (const [pattern, key, matches] of cases) {
    t.equal(
      topicMatches(pattern, key),
      matches,
      `${JSON.stringify(pattern)} ${matches ? 'matches' : 'does not match'} ${JSON.stringify(key)}`,
    );
  }
  t.end();
});

t.test('many # words stay fast (no exponential backtracking)', (t) => {
  const pattern = Array.from({ length: 40 }, () => '#').join('.') + '.z';
  const key = Array.from({ length: 200 }, () => 'a').join('.');
  const started = performance.now();
  t.equal(topicMatches(pattern, key), false);
  t.ok(performance.now() - started < 100, 'linear in pattern × key words');
  t.end();
});
