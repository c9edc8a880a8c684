import { parseArgs } from 'node:util';
import type { HistoryEntry } from '../../model/job.js';
import type { StatusChange } from '../../model/status-changes.js';
import { Api } from '../api.js';
import { EXIT, type Command } from '../command.js';
import { clip, usageError, writeJson, writeTable } from '../output.js';

/** `pjm history <uuid>`: how a job got where it is. */
export const historyCommand: Command = {
  usage:
    'pjm history <uuid> [--status-changes] [--json]\n\n' +
    '  --status-changes  the status-change log: time, state, phase, error subtype and message, attempt\n' +
    '  --json            {uuid, state, version, history: [...]} (or {uuid, state, attempts, statusChanges}) as JSON\n',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        'status-changes': { type: 'boolean', default: false },
      },
    });
    const [uuid] = positionals;
    if (uuid === undefined || positionals.length > 1) throw usageError('expected one job uuid');
    const api = await Api.fromEnv(io.env);
    if (values['status-changes']) {
      const { body } = await api.call<{ statusChanges: StatusChange[] }>(
        'GET',
        `/jobs/${encodeURIComponent(uuid)}/status-changes`,
      );
      if (values.json) writeJson(io, body);
      else
        writeTable(
          io,
          ['TIME', 'STATE', 'PHASE', 'EVENT', 'ATTEMPT', 'ERROR SUBTYPE', 'ERROR MESSAGE'],
          body.statusChanges.map((c) => [
            c.time,
            c.state,
            c.phase ?? '',
            c.event,
            String(c.attempt),
            c.errorSubtype ?? (c.exitCode === undefined ? '' : `exit ${c.exitCode}`),
            clip(c.errorMessage ?? '', 60),
          ]),
        );
      return EXIT.ok;
    }
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
