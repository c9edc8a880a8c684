import t from 'tap';
import { parseInstant } from '../../../cli/instant.js';

const NOW = new Date('2026-12-02T12:00:00.000Z');

t.test('a date, a date-time or a duration back from now, as the ISO instant the query API takes', (t) => {
  const cases: Array<[string, string]> = [
    ['2026-12-02', '2026-12-02T00:00:00.000Z'],
    ['2026-12-02T14:30', '2026-12-02T14:30:00.000Z'],
    ['2026-12-02 14:30:05', '2026-12-02T14:30:05.000Z'],
    ['2026-12-02T14:30:05.123Z', '2026-12-02T14:30:05.123Z'],
    ['2026-12-02t14:30:05z', '2026-12-02T14:30:05.000Z'],
    ['2026-12-02T14:30:05+01:00', '2026-12-02T13:30:05.000Z'],
    ['2026-12-02T00:30-02:00', '2026-12-02T02:30:00.000Z'],
    ['90s', '2026-12-02T11:58:30.000Z'],
    ['30m', '2026-12-02T11:30:00.000Z'],
    ['24h', '2026-12-01T12:00:00.000Z'],
    ['7d', '2026-11-25T12:00:00.000Z'],
    [' 2026-12-02 ', '2026-12-02T00:00:00.000Z'],
  ];
  for (const [text, iso] of cases) t.equal(parseInstant('--since', text, NOW), iso, text);
  t.end();
});

t.test('anything else is a usage error naming the flag and the accepted forms', (t) => {
  for (const text of [
    '',
    'yesterday',
    '2026',
    '90',
    '2026-02-30',
    '2026-13-01',
    '2026-12-02T25:00',
    '12/02/2026',
    '2026-12-02T14:30+1',
  ]) {
    t.throws(
      () => parseInstant('--until', text, NOW),
      {
        code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
        message: new RegExp(`^--until "${text.replace(/[+.]/g, '\\$&')}" is not a date \\(2026-12-02\\)`),
      },
      JSON.stringify(text),
    );
  }
  t.end();
});
