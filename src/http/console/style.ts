/**
 * The console's one stylesheet, served at CONSOLE_CSS_PATH. Kept as a module so the build (tsc)
 * ships it without a copy step. Readable at 1280×800 and on a laptop; focus is always visible.
 */
export const CONSOLE_CSS_PATH = '/console/console.css';

export const CONSOLE_CSS = `
:root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; --accent: #0a58ca;
  --open: #9a3412; --released: #166534; --confirmed: #7f1d1d; --orphaned: #6b21a8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; }
header { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.5rem; background: #0f172a; color: #e2e8f0; }
header a { color: #e2e8f0; text-decoration: none; }
header .brand { font-weight: 700; font-size: 1.1rem; }
nav { display: flex; gap: 1rem; }
nav a[aria-current="page"] { text-decoration: underline; text-underline-offset: 4px; }
.sign-out { margin-left: auto; display: flex; gap: .75rem; align-items: center; }
main { padding: 1rem 1.5rem 3rem; max-width: 1400px; }
h1 { font-size: 1.4rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
caption { text-align: left; padding: .25rem 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; word-break: break-all; }
dl { display: grid; grid-template-columns: 12rem 1fr; gap: .3rem 1rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: break-word; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(28rem, 1fr)); gap: 0 2rem; }
.state { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-size: .8rem; font-weight: 600; color: #fff; }
.state.open { background: var(--open); } .state.released { background: var(--released); }
.state.confirmed { background: var(--confirmed); } .state.orphaned { background: var(--orphaned); }
.counts { display: flex; gap: .5rem; list-style: none; padding: 0; margin: 0 0 1rem; flex-wrap: wrap; }
.counts a { display: inline-block; padding: .25rem .75rem; border: 1px solid var(--line); border-radius: 1rem; text-decoration: none; }
.counts a[aria-current="true"] { background: var(--accent); color: #fff; border-color: var(--accent); }
form.filters label { font-size: .85rem; color: var(--muted); }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin-bottom: 1rem; padding: .75rem; background: var(--bg); border: 1px solid var(--line); }
form.filters div, .decide label, .sign-in label { display: flex; flex-direction: column; gap: .2rem; font-size: .85rem; color: var(--muted); }
input, select, textarea, button { font: inherit; }
input, select, textarea { padding: .35rem .5rem; border: 1px solid #8c959f; border-radius: 4px; color: var(--ink); }
button { padding: .4rem .9rem; border-radius: 4px; border: 1px solid #1f2937; background: #1f2937; color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--ink); border-color: #8c959f; }
header button { background: transparent; border-color: #94a3b8; }
.decide { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
.decide form { border: 1px solid var(--line); padding: .75rem; border-radius: 6px; display: flex; flex-direction: column; gap: .5rem; }
.decide textarea { min-height: 4.5rem; }
.decide h3 { margin: 0; font-size: 1rem; }
.summary { font-size: 1.05rem; }
.notice { padding: .6rem .8rem; border-radius: 4px; }
.notice.error { background: #fee2e2; border: 1px solid #b91c1c; }
.notice.done { background: #dcfce7; border: 1px solid #15803d; }
.muted { color: var(--muted); }
.sign-in { max-width: 26rem; display: flex; flex-direction: column; gap: .8rem; }
`;
