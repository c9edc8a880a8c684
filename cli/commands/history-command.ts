import { parseArgs } from 'node:util';
import type { HistoryEntry } from '../../model/job.js';
import { Api } from '../api.js';
import { EXIT, type Command } from '../command.js';
import { clip, usageError, writeJson, writeTable } from '../output.js';

/** `pjm history <uuid>`: how a job got where it is. */
export const historyCommand: Command = {
  usage: 'pjm history <uuid> [--json]\n\n  --json   {uuid, state, version, history: [...]} as JSON\n',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean', default: false } },
    });
    const [uuid] = positionals;
    if (uuid === undefined || positionals.length > 1) throw usageError('expected one job uuid');
    const api = await Api.fromEnv(io.env);
    const { body } = await api.call<{ uuid: string; state: string; version: number; history: HistoryEntry[] }>(
      'GET',
      `/jobs/${encodeURIComponent(uuid)}/history`,
    );
    if (values.json) {
      writeJson(io, body);
      return EXIT.ok;
    }
    writeTable(
      io,
      ['VERSION', 'DATE', 'EVENT', 'STATE', 'SOURCE', 'DATA'],
      body.history.map((h) => [
        String(h.version),
        h.date,
        h.name,
        h.state,
        h.source,
        clip(h.data === null ? '' : JSON.stringify(h.data), 60),
      ]),
    );
    return EXIT.ok;
  },
};
