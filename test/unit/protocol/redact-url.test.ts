import t from 'tap';
import { redactUrl } from '../../../protocol/redact-url.js';

t.test('request targets keep their path and lose the values of secret parameters', async (t) => {
  t.equal(
    redactUrl('/events?uuid=u&token=secret&x-nonce=n&Nonce=m&event=run'),
    '/events?uuid=u&token=%5Bredacted%5D&x-nonce=%5Bredacted%5D&Nonce=%5Bredacted%5D&event=run',
  );
  t.equal(redactUrl('/jobs/u/history'), '/jobs/u/history');
  t.equal(
    redactUrl('/jobs?pipeline=p&limit=5'),
    '/jobs?pipeline=p&limit=5',
    'a query without secrets is left as it is',
  );
});

t.test('absolute URLs lose user name and password, and secrets in the query', async (t) => {
  t.equal(redactUrl('amqp://user:pw@host:5672/vh'), 'amqp://host:5672/vh');
  t.equal(redactUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080', 'nothing to hide: unchanged');
  t.equal(
    redactUrl('https://jobs.example.org/callbacks/slurm?uuid=u&token=t'),
    'https://jobs.example.org/callbacks/slurm?uuid=u&token=%5Bredacted%5D',
  );
  t.equal(
    redactUrl('mongodb://u:p@db:27017/pjm?authSource=admin', { dropQuery: true }),
    'mongodb://db:27017/pjm',
    'a connection URL drops its options',
  );
  t.equal(redactUrl('not a url'), '[unparseable url]');
});
