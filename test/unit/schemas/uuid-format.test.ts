import t from 'tap';
import { parseJobUuid, uuidHex } from '../../../schemas/uuid-format.js';

t.test('a job uuid is read in either spelling, to the stored form', async (t) => {
  const uuid = '6eb6e6dd-4999-5eda-99c5-bf7a63063d13';
  t.equal(parseJobUuid(uuid), uuid);
  t.equal(parseJobUuid(uuid.toUpperCase()), uuid);
  t.equal(parseJobUuid('6eb6e6dd49995eda99c5bf7a63063d13'), uuid);
  t.equal(parseJobUuid('6EB6E6DD49995EDA99C5BF7A63063D13'), uuid);
  t.equal(uuidHex(uuid), '6eb6e6dd49995eda99c5bf7a63063d13');
  for (const bad of [
    '',
    'nope',
    `urn:uuid:${uuid}`,
    '6eb6e6dd49995eda99c5bf7a63063d1',
    `${uuid}0`,
    '6eb6e6dd-49995eda99c5bf7a63063d13',
  ])
    t.equal(parseJobUuid(bad), undefined, bad);
});
