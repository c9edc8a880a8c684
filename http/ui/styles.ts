/**
 * The dashboard's stylesheet, served as `/ui/assets/app.css`. States carry their name as text and a
 * colour (never colour alone); colours follow `prefers-color-scheme` and keep 4.5:1 contrast.
 */
export const STYLESHEET = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de;
  --panel: #f6f8fa; --link: #0550ae; --accent: #0969da; --ok: #116329; --bad: #a40e26; --warn: #7d4e00;
  --info: #0550ae; --idle: #57606a; --hl: #fff8c5; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --line: #30363d; --panel: #161b22;
    --link: #79c0ff; --accent: #58a6ff; --ok: #56d364; --bad: #ff7b72; --warn: #e3b341; --info: #79c0ff;
    --idle: #9da7b3; --hl: #3b2e00; }
}
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, "DejaVu Sans", sans-serif; background: var(--bg); color: var(--fg); }
a { color: var(--link); }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .5rem 1rem;
  border-bottom: 1px solid var(--line); background: var(--panel); }
header.top nav a { margin-right: .8rem; }
header.top .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
header.top form.jump { margin-left: auto; display: flex; gap: .3rem; }
main { padding: 1rem; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 1.35rem; margin: .2rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .6rem; }
input, select, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line);
  border-radius: 4px; padding: .25rem .45rem; }
button { cursor: pointer; background: var(--panel); }
button.danger { border-color: var(--bad); color: var(--bad); }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem .8rem; align-items: end; padding: .6rem;
  border: 1px solid var(--line); border-radius: 6px; background: var(--panel); margin-bottom: 1rem; }
.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
.filters fieldset { border: 0; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .2rem .6rem;
  max-width: 36rem; }
.filters legend { font-size: .85rem; color: var(--muted); }
.filters fieldset label { flex-direction: row; gap: .2rem; color: var(--fg); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .85rem; color: var(--muted); }
td.mono, .mono { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: .85rem; overflow-wrap: anywhere; }
tr.changed td { background: var(--hl); }
table.jobs td:first-child { white-space: nowrap; overflow-wrap: normal; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; border: 1px solid currentColor;
  font-size: .8rem; font-weight: 600; white-space: nowrap; }
.badge::before { content: "\\25CF\\00a0"; }
.s-CREATED, .s-RESET { color: var(--idle); }
.s-RUNNING, .s-INDEXING, .s-VALIDATING { color: var(--info); }
.s-FINISHED, .s-VALIDATED, .s-FINALIZED { color: var(--ok); }
.s-FAILED, .s-REJECTED { color: var(--bad); }
.s-CANCELLED, .s-RETIRED { color: var(--warn); }
.live { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin: .6rem 0; }
.conn { font-size: .85rem; }
.conn[data-state="open"] { color: var(--ok); }
.conn[data-state="closed"], .conn[data-state="connecting"] { color: var(--bad); }
.banner { padding: .3rem .6rem; border: 1px solid var(--accent); border-radius: 4px; }
.banner[hidden] { display: none; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; margin-top: 1rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .7rem; background: var(--panel); min-width: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--line); }
ol.timeline li { padding: .3rem 0 .6rem .8rem; }
details pre { max-height: 24rem; overflow: auto; background: var(--bg); border: 1px solid var(--line);
  padding: .5rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.note { color: var(--muted); font-size: .85rem; }
.error { color: var(--bad); }
svg.fsm { width: 100%; height: auto; max-width: 1200px; }
svg.fsm text { fill: var(--fg); font: 12px "DejaVu Sans", sans-serif; }
svg.fsm .node rect { fill: var(--bg); stroke: var(--line); stroke-width: 1.5; }
svg.fsm .node.visited rect { stroke: var(--accent); stroke-width: 2.5; }
svg.fsm .node.current rect { fill: var(--accent); stroke: var(--accent); }
svg.fsm .node.current text { fill: var(--bg); font-weight: 700; }
svg.fsm .edge { stroke: var(--line); fill: none; stroke-width: 1.2; }
svg.fsm .edge.taken { stroke: var(--accent); stroke-width: 2.5; }
svg.fsm marker path { fill: var(--muted); }
svg.spark polyline { fill: none; stroke: var(--accent); stroke-width: 2; }
table.counts td, table.counts th { text-align: right; }
table.counts td:first-child, table.counts th:first-child { text-align: left; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
@media (max-width: 640px) {
  header.top form.jump { margin-left: 0; width: 100%; }
  header.top form.jump input { flex: 1; }
  table.jobs .wide { display: none; }
}
`;
