import { ADMIN_EVENTS, INITIAL_STATE, describeMachine, type JobState } from '../../fsm/index.js';
import { html, type SafeHtml } from './html.js';

const BOX = { w: 118, h: 28 };
const GAP = { x: 52, y: 22 };
const PAD = 12;

interface Edge {
  readonly from: JobState;
  readonly to: JobState;
  readonly events: string[];
  /** Part of an event allowed from most states (reset, retire): drawn only when the job took it. */
  readonly wide: boolean;
}

interface Layout {
  readonly place: ReadonlyMap<JobState, { readonly x: number; readonly y: number }>;
  readonly edges: readonly Edge[];
  /** Events allowed from most states, said in words under the diagram rather than drawn as a fan of arrows. */
  readonly wide: ReadonlyArray<{ readonly event: string; readonly from: readonly JobState[]; readonly to: JobState }>;
  readonly width: number;
  readonly height: number;
}

/**
 * Lays the machine out from `describeMachine()` (the XState definition itself): each state in the
 * column of its distance from CREATED along ordinary (non-admin) events, so the diagram follows
 * the machine whenever it changes. Self-loops (`update`, `resource`) are not drawn.
 */
function computeLayout(): Layout {
  const description = describeMachine();
  const edgeMap = new Map<string, Edge>();
  const wide = description.transitions.filter((t) => t.from.length * 2 >= description.states.length);
  for (const t of description.transitions) {
    for (const from of t.from) {
      if (from === t.to) continue;
      const key = `${from}>${t.to}`;
      const edge = edgeMap.get(key) ?? { from, to: t.to, events: [], wide: true };
      edge.events.push(t.event);
      edgeMap.set(key, { ...edge, wide: edge.wide && wide.includes(t) });
    }
  }
  const edges = [...edgeMap.values()];
  const depth = new Map<JobState, number>([[INITIAL_STATE, 0]]);
  const queue: JobState[] = [INITIAL_STATE];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    const d = depth.get(state) ?? 0;
    for (const e of edges) {
      if (e.from !== state || depth.has(e.to) || e.events.every((n) => ADMIN_EVENTS.includes(n as never))) continue;
      depth.set(e.to, d + 1);
      queue.push(e.to);
    }
  }
  const columns = new Map<number, JobState[]>();
  for (const state of description.states) {
    const d = depth.get(state) ?? Math.max(0, ...depth.values()) + 1;
    columns.set(d, [...(columns.get(d) ?? []), state]);
  }
  const place = new Map<JobState, { x: number; y: number }>();
  let rows = 0;
  for (const [d, states] of columns) {
    states.forEach((state, i) => place.set(state, { x: PAD + d * (BOX.w + GAP.x), y: PAD + i * (BOX.h + GAP.y) }));
    rows = Math.max(rows, states.length);
  }
  return {
    place,
    edges,
    wide: wide.map((t) => ({ event: t.event, from: t.from, to: t.to })),
    width: PAD * 2 + columns.size * (BOX.w + GAP.x) - GAP.x,
    height: PAD * 2 + rows * (BOX.h + GAP.y) - GAP.y + 40,
  };
}

const LAYOUT = computeLayout();

function edgePath(from: { x: number; y: number }, to: { x: number; y: number }): string {
  if (to.x > from.x) {
    const sx = from.x + BOX.w;
    const sy = from.y + BOX.h / 2;
    const ty = to.y + BOX.h / 2;
    const mid = (sx + to.x) / 2;
    return `M${sx},${sy} C${mid},${sy} ${mid},${ty} ${to.x},${ty}`;
  }
  // Backward or same-column edges arc below the boxes, so they do not cross the forward flow.
  const sx = from.x + BOX.w / 2;
  const tx = to.x + BOX.w / 2 + 6;
  const sy = from.y + BOX.h;
  const ty = to.y + BOX.h;
  const low = Math.max(sy, ty) + 26;
  return `M${sx},${sy} C${sx},${low} ${tx},${low} ${tx},${ty}`;
}

/**
 * The state machine as an SVG, with the job's current state filled and the states and moves of
 * its history (`path`, oldest first) highlighted.
 */
export function machineDiagram(current: JobState, path: readonly JobState[]): SafeHtml {
  const visited = new Set(path);
  const taken = new Set<string>();
  path.forEach((state, i) => {
    const before = path[i - 1];
    if (before !== undefined && before !== state) taken.add(`${before}>${state}`);
  });
  const describedPath = path.filter((s, i) => s !== path[i - 1]).join(' → ');
  const edges = LAYOUT.edges.map((e) => {
    const from = LAYOUT.place.get(e.from);
    const to = LAYOUT.place.get(e.to);
    if (from === undefined || to === undefined) return html``;
    const isTaken = taken.has(`${e.from}>${e.to}`);
    if (e.wide && !isTaken) return html``;
    return html`<path class="edge${isTaken ? ' taken' : ''}" d="${edgePath(from, to)}" marker-end="url(#arrow)">
      <title>${e.from} → ${e.to}: ${e.events.join(', ')}</title>
    </path>`;
  });
  const nodes = [...LAYOUT.place].map(([state, p]) => {
    const cls = state === current ? 'node current' : visited.has(state) ? 'node visited' : 'node';
    return html`<g class="${cls}" data-state="${state}">
      <rect x="${p.x}" y="${p.y}" width="${BOX.w}" height="${BOX.h}" rx="6" />
      <text x="${p.x + BOX.w / 2}" y="${p.y + BOX.h / 2 + 4}" text-anchor="middle">${state}</text>
    </g>`;
  });
  return html`<svg
      class="fsm"
      viewBox="0 0 ${LAYOUT.width} ${LAYOUT.height}"
      role="img"
      aria-labelledby="fsm-title fsm-desc"
    >
      <title id="fsm-title">State machine, current state ${current}</title>
      <desc id="fsm-desc">Path taken: ${describedPath}</desc>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
          <path d="M0,0 L10,5 L0,10 z" />
        </marker>
      </defs>
      ${edges} ${nodes}
    </svg>
    <ul class="note">
      ${LAYOUT.wide.map(
        (w) =>
          html`<li>
            <strong>${w.event}</strong> → ${w.to} from any of ${w.from.length} states (${w.from.join(', ')}); drawn only
            when taken
          </li>`,
      )}
    </ul>`;
}
