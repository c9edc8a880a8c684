import { parseArgs } from 'node:util';
import { Api } from '../api.js';
import { EXIT, type Command, type CommandIo } from '../command.js';
import { parseInstant } from '../instant.js';
import { clip, usageError, writeJson, writeTable } from '../output.js';

/** A dead letter as `GET /dead/letters` and `GET /dead/:id` answer it. */
interface LetterView {
  id: string;
  deadAt: string;
  code: string;
  message: string;
  token: string;
  eventId?: string;
  uuid?: string;
  event?: string;
  routingKey: string;
  headers: Record<string, unknown>;
  messageId?: string;
  attempts: number;
  size: number;
  replayedAt?: string;
  body?: string;
  bodyEncoding?: 'utf8' | 'base64';
}

const CODE = /^[a-z][a-z0-9_]{0,63}$/;

function codeFlag(code: string | undefined): string | undefined {
  if (code !== undefined && !CODE.test(code)) throw usageError(`--code "${code}" is not an error code`);
  return code;
}

async function ls(
  io: CommandIo,
  values: {
    code?: string;
    since?: string;
    list: boolean;
    replayed: boolean;
    limit: string;
    all: boolean;
    json: boolean;
  },
): Promise<number> {
  const params = new URLSearchParams();
  const code = codeFlag(values.code);
  if (code !== undefined) params.set('code', code);
  if (values.since !== undefined) params.set('since', parseInstant('--since', values.since, new Date()));
  const api = await Api.fromEnv(io.env);
  if (!values.list) {
    const { body } = await api.call<{ total: number; codes: Array<{ code: string; count: number }> }>(
      'GET',
      `/dead?${params.toString()}`,
    );
    if (values.json) writeJson(io, body);
    else
      writeTable(
        io,
        ['CODE', 'COUNT'],
        [...body.codes.map((c) => [c.code, String(c.count)]), ['total', String(body.total)]],
      );
    return EXIT.ok;
  }
  params.set('limit', values.limit);
  if (values.replayed) params.set('replayed', 'true');
  const rows: string[][] = [];
  let cursor: string | undefined;
  do {
    if (cursor !== undefined) params.set('cursor', cursor);
    const { body } = await api.call<{ letters: LetterView[]; nextCursor?: string }>(
      'GET',
      `/dead/letters?${params.toString()}`,
    );
    for (const l of body.letters) {
      if (values.json) writeJson(io, l);
      else
        rows.push([
          l.id,
          l.deadAt,
          l.code,
          l.uuid ?? '-',
          l.event ?? '-',
          l.replayedAt === undefined ? 'waiting' : 'replayed',
          clip(l.message, 60),
        ]);
    }
    cursor = values.all ? body.nextCursor : undefined;
  } while (cursor !== undefined);
  if (!values.json) writeTable(io, ['ID', 'DEAD AT', 'CODE', 'JOB', 'EVENT', 'STATUS', 'REASON'], rows);
  return EXIT.ok;
}

async function show(io: CommandIo, id: string, json: boolean): Promise<number> {
  const api = await Api.fromEnv(io.env);
  const { body } = await api.call<LetterView>('GET', `/dead/${encodeURIComponent(id)}`);
  if (json) {
    writeJson(io, body);
    return EXIT.ok;
  }
  const lines = [
    ['id', body.id],
    ['dead at', body.deadAt],
    ['code', body.code],
    ['reason', body.message],
    ['token', body.token],
    ['event id', body.eventId ?? '-'],
    ['job', body.uuid ?? '-'],
    ['event', body.event ?? '-'],
    ['routing key', body.routingKey],
    ['message id', body.messageId ?? '-'],
    ['attempts', String(body.attempts)],
    ['headers', JSON.stringify(body.headers)],
    ['status', body.replayedAt === undefined ? 'waiting' : `replayed ${body.replayedAt}`],
    [`body (${body.size} bytes${body.bodyEncoding === 'base64' ? ', base64' : ''})`, body.body ?? ''],
  ];
  io.stdout.write(lines.map(([k, v]) => `${k}: ${v}\n`).join(''));
  return EXIT.ok;
}

/**
 * `pjm dead ls|show|replay|purge`: the dead letters (events the manager refused, with their
 * reason), through the admin routes under `/dead` (an admin bearer token, the first of
 * PJM_API_TOKENS). See docs/dead-letters.md.
 */
export const deadCommand: Command = {
  usage: `pjm dead ls [--code C] [--since T] [--json]
pjm dead ls --list [--code C] [--since T] [--replayed] [--limit N] [--all] [--json]
pjm dead show <id> [--json]
pjm dead replay <id> [--force]
pjm dead replay --code C [--force]
pjm dead purge --before T [--code C]

Dead letters are the events the manager refused, each with its reason code; they wait until
replayed or purged. Needs an admin bearer token (the first of PJM_API_TOKENS).
  ls          waiting dead letters per reason code, with the total; --list lists them, oldest first
  show        one dead letter with its body and headers
  replay      sends the original event (same event id) back through the manager: applied once,
              a duplicate if it was applied meanwhile, or dead-lettered again with its reason
  purge       deletes the dead letters (waiting or replayed) that died before T
  --code      this reason code only (e.g. unknown_job, illegal_transition)
  --since     died at or after T; T is a date, a date-time or a duration back (90s, 30m, 24h, 7d)
  --before    died before T (same forms)
  --replayed  --list: include the letters replayed already
  --force     replay letters whose token was not verified when they were refused (see the docs)
  --limit     letters per page (default 100, at most 1000); --all follows every page
  --json      machine-readable output
`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        code: { type: 'string' },
        since: { type: 'string' },
        before: { type: 'string' },
        list: { type: 'boolean', default: false },
        replayed: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        limit: { type: 'string', default: '100' },
        all: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
    const [action, id, ...extra] = positionals;
    if (extra.length > 0) throw usageError(`unexpected argument "${extra[0] ?? ''}"`);
    switch (action) {
      case 'ls':
        if (id !== undefined) throw usageError(`unexpected argument "${id}"`);
        return ls(io, values);
      case 'show':
        if (id === undefined) throw usageError('show needs the dead letter id (see pjm dead ls --list)');
        return show(io, id, values.json);
      case 'replay': {
        const code = codeFlag(values.code);
        if ((id === undefined) === (code === undefined))
          throw usageError('replay needs a dead letter id or --code, not both');
        const force = values.force ? '?force=true' : '';
        const api = await Api.fromEnv(io.env);
        if (id !== undefined) {
          const { body } = await api.call<{ id: string; eventId?: string }>(
            'POST',
            `/dead/${encodeURIComponent(id)}/replay${force}`,
          );
          if (values.json) writeJson(io, body);
          else io.stdout.write(`replayed ${body.id}${body.eventId === undefined ? '' : ` (event ${body.eventId})`}\n`);
          return EXIT.ok;
        }
        const query = new URLSearchParams({ code: code ?? '', ...(values.force && { force: 'true' }) });
        const { body } = await api.call<{ code: string; replayed: number; unverified: number }>(
          'POST',
          `/dead/replay?${query.toString()}`,
        );
        if (values.json) writeJson(io, body);
        else {
          io.stdout.write(`replayed ${body.replayed} dead letter(s) of ${body.code}\n`);
          if (body.unverified > 0)
            io.stderr.write(`${body.unverified} left waiting: their token was not verified (replay with --force)\n`);
        }
        return EXIT.ok;
      }
      case 'purge': {
        if (id !== undefined) throw usageError(`unexpected argument "${id}"`);
        if (values.before === undefined) throw usageError('purge needs --before T');
        const code = codeFlag(values.code);
        const query = new URLSearchParams({
          before: parseInstant('--before', values.before, new Date()),
          ...(code !== undefined && { code }),
        });
        const api = await Api.fromEnv(io.env);
        const { body } = await api.call<{ purged: number }>('DELETE', `/dead?${query.toString()}`);
        if (values.json) writeJson(io, body);
        else io.stdout.write(`purged ${body.purged} dead letter(s)\n`);
        return EXIT.ok;
      }
      default:
        throw usageError('expected ls, show, replay or purge');
    }
  },
};
