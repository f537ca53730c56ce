// The audit pages' own CSS, added to the shared layout's (same nonce; no scripts anywhere).
export const AUDIT_STYLE = `
  main.wide { max-width: 1320px; margin: 24px auto; padding: 24px 28px; }
  nav.views { display: flex; gap: 16px; font-size: 14px; margin: 0 0 16px; }
  a { color: var(--accent); }
  form.filters { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 10px 14px; justify-content: stretch; align-items: end; margin: 0 0 16px; }
  form.filters label { display: flex; flex-direction: column; gap: 4px; font-size: 13px; color: var(--muted); }
  form.filters .events { grid-row: span 2; }
  form.filters .buttons { display: flex; gap: 12px; align-items: center; }
  input, select { font: 14px system-ui, sans-serif; padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--ink); }
  p.actions { font-size: 14px; margin: 0 0 12px; }
  table.audit { width: 100%; border-collapse: collapse; font-size: 13px; }
  table.audit th { text-align: left; color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); padding: 6px 8px; white-space: nowrap; }
  table.audit td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; overflow-wrap: anywhere; }
  table.audit td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
  table.audit tr.flag td { background: #ffebe9; }
  table.audit tr.flag td:first-child { box-shadow: inset 4px 0 0 #cf222e; }
  .event { font-weight: 600; }
  tr.flag .event, .event.flag { color: #a40e26; }
  .event.flag::before { content: "\\26A0\\FE0E  "; }
  .ua { color: var(--muted); }
  nav.pager { display: flex; justify-content: space-between; margin: 16px 0 0; font-size: 14px; }
  section.incident { margin-top: 28px; border-top: 1px solid var(--line); padding-top: 12px; }
  section.incident h2 { font-size: 17px; margin: 0 0 6px; }
  section.incident form { justify-content: flex-start; align-items: end; margin: 10px 0; flex-wrap: wrap; }
  section.incident label { display: flex; flex-direction: column; gap: 4px; font-size: 13px; color: var(--muted); }
  button.danger { background: #cf222e; border-color: #cf222e; color: #fff; }
  ol.life { list-style: none; padding: 0; margin: 0; }
  ol.life li { border-left: 3px solid var(--line); padding: 6px 0 10px 14px; margin-left: 4px; }
  ol.life li.flag { border-left-color: #cf222e; background: #ffebe9; }
  ol.life .meta { color: var(--muted); font-size: 13px; }
  table.approvals td, table.approvals th { font-size: 14px; }
`;
