import { pipelineJobMachine } from './pipeline-job-machine.js';
import { INITIAL_STATE, JOB_EVENTS, JOB_STATES, type JobEventName, type JobState } from './states.js';

/** One edge group: `event` moves a job from any of `from` to `to` (`to` equals the source for self-loops). */
export interface MachineTransition {
  readonly event: JobEventName;
  readonly from: JobState[];
  readonly to: JobState;
}

/** The machine as data: what `pjm fsm --json` prints. */
export interface MachineDescription {
  readonly states: JobState[];
  readonly events: JobEventName[];
  readonly transitions: MachineTransition[];
}

/** Reads the transitions out of the XState machine definition itself (not out of a copy of the table). */
export function describeMachine(): MachineDescription {
  const grouped = new Map<string, MachineTransition>();
  for (const source of JOB_STATES) {
    const node = pipelineJobMachine.root.states[source];
    if (node === undefined) throw new Error(`machine has no state node ${source}`);
    for (const [event, definitions] of node.transitions) {
      for (const definition of definitions) {
        const target = (definition.target?.[0]?.key ?? source) as JobState;
        const key = `${event}→${target}`;
        const entry = grouped.get(key) ?? { event: event as JobEventName, from: [], to: target };
        entry.from.push(source);
        grouped.set(key, entry);
      }
    }
  }
  const eventOrder = (e: JobEventName): number => JOB_EVENTS.indexOf(e);
  const transitions = [...grouped.values()].sort((a, b) => eventOrder(a.event) - eventOrder(b.event));
  return { states: [...JOB_STATES], events: [...JOB_EVENTS], transitions };
}

/** The machine as a Mermaid `stateDiagram-v2`, one line per (source, event) edge. */
export function toMermaid(description: MachineDescription = describeMachine()): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${INITIAL_STATE}: create`];
  for (const t of description.transitions) {
    for (const source of t.from) lines.push(`  ${source} --> ${t.to}: ${t.event}`);
  }
  return `${lines.join('\n')}\n`;
}
