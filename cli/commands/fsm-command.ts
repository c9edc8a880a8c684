import { parseArgs } from 'node:util';
import { EXIT, type Command } from '../command.js';

/** `pjm fsm [--json]`: the pipeline-job machine as a Mermaid diagram or as JSON. */
export const fsmCommand: Command = {
  usage:
    'pjm fsm [--json]\n\n  --json   print {"states":[...],"events":[...],"transitions":[...]} instead of Mermaid\n',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, strict: true });
    const { describeMachine, toMermaid } = await import('../../fsm/describe-machine.js');
    const description = describeMachine();
    io.stdout.write(values.json ? `${JSON.stringify(description)}\n` : toMermaid(description));
    return EXIT.ok;
  },
};
