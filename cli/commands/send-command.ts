import { parseArgs } from 'node:util';
import { ADMIN_EVENTS } from '../../fsm/states.js';
import type { EventAnswer } from '../../protocol/http-answers.js';
import { Api } from '../api.js';
import { EXIT, type Command } from '../command.js';
import { readDataFlag, usageError, writeJson } from '../output.js';
import { pendingReason } from '../pending-reason.js';

/** `pjm send <uuid> <event>`: sends one event through the bridge and prints the new state. */
export const sendCommand: Command = {
  usage: `pjm send <uuid> <event> --token TOKEN [--data JSON|@FILE|-] [--id UUID] [--no-wait] [--json]

Events: run, update, resource, fail, finish, index, indexed, validate, validated, reject,
finalize, retire, cancel; reset and ready need an admin token (PJM_API_TOKENS).
  --token     the job's token (pjm create prints it); required unless PJM_API_TOKENS is set
  --data      a JSON object recorded with the event; @FILE reads it from a file, - from
              standard input
  --id        an idempotency key: the same id twice is applied once
  --no-wait   answer once the bus holds the event (prints "accepted <event id>")
Prints the new state once the manager has applied the event. A refused event exits 3 with its
code (e.g. illegal_transition). An event that is not applied within the server's wait
(PJM_WAIT_TIMEOUT_MS, 10 s by default) prints "pending <event id>", says on stderr what it waits
for (e.g. finish before run: it is applied once run arrives, or dead-lettered when the
manager's retries run out) and exits 5.
`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        token: { type: 'string' },
        data: { type: 'string' },
        id: { type: 'string' },
        'no-wait': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
    const [uuid, name] = positionals;
    if (uuid === undefined || name === undefined || positionals.length > 2) throw usageError('expected <uuid> <event>');
    const token = values.token === '' ? undefined : values.token;
    const api = await Api.fromEnv(io.env);
    // The server mints the token for an admin (bearer) and refuses reset/ready to anyone else.
    if (!api.admin && (ADMIN_EVENTS as readonly string[]).includes(name))
      throw usageError(`${name} is an admin event: set PJM_API_TOKENS to an admin bearer token`);
    if (!api.admin && token === undefined)
      throw usageError(
        `--token is required: the job's token, as pjm create printed it (an admin with PJM_API_TOKENS may omit it)`,
      );
    const data = await readDataFlag(values.data, io);
    const event = {
      uuid,
      name,
      ...(token !== undefined && { token }),
      ...(data !== undefined && { data }),
      ...(values.id !== undefined && { id: values.id }),
      source: 'cli',
    };
    const { body } = await api.call<EventAnswer>('POST', `/events${values['no-wait'] ? '' : '?wait=1'}`, event);
    if (values.json) writeJson(io, body);
    else if (body.state !== undefined) io.stdout.write(`${body.state}\n`);
    else io.stdout.write(`${body.status} ${body.eventId}\n`);
    if (body.status !== 'pending') return EXIT.ok;
    io.stderr.write(
      `pjm send: pending: event ${body.eventId} is on the bus but not applied yet: ${await pendingReason(api, uuid, name)}\n`,
    );
    return EXIT.pending;
  },
};
