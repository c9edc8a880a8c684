import { parseArgs } from 'node:util';
import type { StateNotification } from '../../protocol/state-notification.js';
import { Api } from '../api.js';
import { EXIT, type Command } from '../command.js';
import { untilSignal } from '../until-signal.js';
import { usageError, writeJson } from '../output.js';

/** The `data:` payloads of a server-sent event stream, as they arrive. */
async function* sseData(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = message
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data !== '') yield data;
    }
  }
}

/** `pjm watch`: state changes as they happen, until Ctrl-C. */
export const watchCommand: Command = {
  usage: `pjm watch [--pipeline ID] [--uuid UUID] [--json]

One line per applied event: time, job, pipeline, previous state → new state (event, version).
  --json   one JSON state notification per line
`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { pipeline: { type: 'string' }, uuid: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0] ?? ''}"`);
    const params = new URLSearchParams();
    if (values.pipeline !== undefined) params.set('pipeline', values.pipeline);
    if (values.uuid !== undefined) params.set('uuid', values.uuid);
    const api = await Api.fromEnv(io.env);
    const abort = new AbortController();
    const stream = await api.stream(`/changes${params.size > 0 ? `?${params.toString()}` : ''}`, abort.signal);
    io.stderr.write(
      `watching ${api.base}${values.pipeline === undefined ? '' : ` pipeline ${values.pipeline}`}${values.uuid === undefined ? '' : ` job ${values.uuid}`}; Ctrl-C to stop\n`,
    );
    void untilSignal().then(() => abort.abort());
    try {
      for await (const data of sseData(stream)) {
        const n = JSON.parse(data) as StateNotification;
        if (values.json) writeJson(io, n);
        else
          io.stdout.write(
            `${n.date}  ${n.uuid}  ${n.pipeline}  ${n.previousState} → ${n.state}  (${n.event}, v${n.version})\n`,
          );
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
    if (!abort.signal.aborted) {
      io.stderr.write('pjm watch: the server closed the stream\n');
      return EXIT.failure;
    }
    return EXIT.ok;
  },
};
