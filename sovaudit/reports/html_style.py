"""The HTML report's style sheet: system fonts only (no web font is fetched), and print rules so
that the browser's print-to-PDF gives an A4 document with page breaks in sensible places."""

STYLE = """
:root {
  --ink: #1f2328; --muted: #59636e; --line: #d8dee4; --soft: #f3f5f8; --paper: #ffffff;
  --bg: #e9edf2; --accent: #0b3d91; --navy: #0b2545;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", "Helvetica Neue",
    Arial, sans-serif;
}
.page { max-width: 1120px; margin: 24px auto; background: var(--paper); box-shadow: 0 1px 4px rgba(0,0,0,.14); }
header.cover { background: var(--navy); color: #fff; padding: 30px 48px 26px; }
.cover .kicker { margin: 0 0 6px; font-size: 12px; letter-spacing: .09em; text-transform: uppercase; opacity: .8; }
.cover h1 { margin: 0 0 10px; font-size: 30px; font-weight: 650; line-height: 1.2; overflow-wrap: anywhere; }
.cover .meta { margin: 0; font-size: 13px; opacity: .88; }
.cover .meta span + span::before { content: "·"; margin: 0 .55em; opacity: .7; }
main { padding: 10px 48px 40px; }
nav.toc { margin: 18px 0 0; padding: 10px 14px; background: var(--soft); border-radius: 6px; font-size: 13px; }
nav.toc ol { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
section { margin-top: 34px; }
h2 { margin: 0 0 12px; padding-bottom: 5px; font-size: 20px; font-weight: 650; border-bottom: 2px solid var(--accent); }
h3 { margin: 22px 0 8px; font-size: 15px; font-weight: 650; }
p { margin: 8px 0; }
.lead { font-size: 15px; }
.note, figcaption { color: var(--muted); font-size: 12.5px; }
a { color: var(--accent); }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 14px 0; }
.card { border: 1px solid var(--line); border-top: 4px solid var(--accent); border-radius: 6px; padding: 10px 14px; }
.card .label { font-size: 11.5px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.card .value { font-size: 26px; font-weight: 700; line-height: 1.25; font-variant-numeric: tabular-nums; }
.card .value small { font-size: 14px; font-weight: 500; color: var(--muted); }
.card .sub { font-size: 12px; color: var(--muted); }
.card.lvl-0 { border-top-color: #c0392b; } .card.lvl-1 { border-top-color: #e67e22; }
.card.lvl-2 { border-top-color: #e3a21a; } .card.lvl-3 { border-top-color: #7cb342; }
.card.lvl-4 { border-top-color: #2e7d32; }
table { width: 100%; border-collapse: collapse; font-size: 13px; margin: 8px 0 4px; }
th, td { padding: 5px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); }
thead th { background: var(--soft); font-weight: 650; border-bottom: 2px solid #c5ccd4; }
tbody th { font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.best { font-weight: 700; background: #eaf5ea; }
.badge {
  display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 11.5px; font-weight: 650;
  line-height: 18px; color: #fff; white-space: nowrap; vertical-align: 1px;
}
.sev-critical { background: #7f0000; } .sev-high { background: #c0392b; } .sev-medium { background: #e67e22; }
.sev-low { background: #e3a21a; color: var(--ink); } .sev-info { background: #8c959f; }
.lvl { color: var(--ink); border: 1px solid #c5ccd4; background: #fff; }
.lvl-0.lvl { border-color: #c0392b; color: #a5281b; } .lvl-1.lvl { border-color: #e67e22; color: #a24d05; }
.lvl-2.lvl { border-color: #e3a21a; color: #7d5700; } .lvl-3.lvl { border-color: #7cb342; color: #3f6d16; }
.lvl-4.lvl { border-color: #2e7d32; color: #1e5a22; }
.waived { background: #57606a; }
.pass { color: #1e7b34; font-weight: 700; } .fail { color: #b42318; font-weight: 700; }
.todo { margin: 8px 0; padding-left: 22px; }
.todo li { margin: 6px 0; }
.todo .fix { display: block; color: var(--muted); }
figure { margin: 12px 0 18px; }
figure svg.chart { display: block; width: 100%; height: auto; }
figcaption { margin-top: 4px; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 4px 28px; }
.grid2 figure { margin: 6px 0 10px; }
.grid2 h4 { margin: 8px 0 2px; font-size: 13.5px; }
ul.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 6px 0; padding: 0; list-style: none;
  font-size: 12px; color: var(--muted); }
ul.legend .key { display: inline-block; width: 12px; height: 12px; margin-right: 5px; border-radius: 2px;
  vertical-align: -1px; border: 1px solid rgba(0,0,0,.15); }
.finding { margin: 12px 0; padding: 10px 14px 8px; border: 1px solid var(--line); border-left-width: 5px;
  border-radius: 4px; }
.finding.fs-critical { border-left-color: #7f0000; } .finding.fs-high { border-left-color: #c0392b; }
.finding.fs-medium { border-left-color: #e67e22; } .finding.fs-low { border-left-color: #e3a21a; }
.finding.fs-info, .finding.fs-waived { border-left-color: #8c959f; }
.finding h3 { margin: 0 0 2px; font-size: 14.5px; }
.finding .meta { margin: 0 0 6px; color: var(--muted); font-size: 12px; }
.finding .meta span + span::before { content: "·"; margin: 0 .5em; }
.finding .fix { margin: 6px 0; padding: 6px 10px; background: #eef6ee; border-left: 3px solid #2e7d32; }
.finding dl { display: grid; grid-template-columns: 110px 1fr; gap: 2px 10px; margin: 6px 0 2px; font-size: 12.5px; }
.finding dt { color: var(--muted); }
.finding dd { margin: 0; overflow-wrap: anywhere; }
.finding ul { margin: 0; padding-left: 16px; }
.method h3 { margin-top: 16px; }
.method ul { margin: 6px 0; padding-left: 20px; }
.method table { width: auto; min-width: 340px; }
table.appendix { font-size: 11.5px; }
table.appendix td { padding: 3px 6px; }
table.appendix { table-layout: fixed; }
table.appendix td { overflow-wrap: break-word; }
table.appendix td:nth-child(2) { overflow-wrap: anywhere; }
table.appendix th:nth-child(1) { width: 4.5%; } table.appendix th:nth-child(2) { width: 26%; }
table.appendix th:nth-child(3) { width: 7.5%; } table.appendix th:nth-child(4) { width: 9%; }
table.appendix th:nth-child(5) { width: 12%; } table.appendix th:nth-child(6) { width: 5.5%; }
table.appendix th:nth-child(7) { width: 9%; } table.appendix th:nth-child(8) { width: 13.5%; }
table.appendix th:nth-child(n+9) { width: 2.2%; padding: 5px 0; text-align: center; }
table.appendix .id, table.appendix .ev:not(:empty) { display: block; color: var(--muted); font-size: 10.5px; }
table.appendix .ev { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 10px; }
td.r { width: 22px; padding: 3px 0; text-align: center; font-variant-numeric: tabular-nums; }
.r0 { background: #cfe8cf; } .r1 { background: #e4f0bd; } .r2 { background: #fbe3a0; } .r3 { background: #f7b77f; }
.r4 { background: #ec7f74; } .rn { background: #e9ecef; color: var(--muted); }
table.stacks { table-layout: fixed; }
table.stacks th:first-child { width: 34%; }
.stacks th.stack { border-bottom: 4px solid var(--c, var(--accent)); overflow-wrap: anywhere; }
.stacks td { overflow-wrap: anywhere; }
th .note { font-weight: 400; }
footer { padding: 16px 48px 26px; border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; }
@media (max-width: 720px) {
  header.cover, main, footer { padding-left: 18px; padding-right: 18px; }
}
@media print {
  @page { size: A4; margin: 14mm 12mm 16mm; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { background: #fff; font-size: 9.5pt; }
  .page { max-width: none; margin: 0; box-shadow: none; }
  header.cover { padding: 0 0 10px; background: none; color: var(--ink); border-bottom: 3px solid var(--accent); }
  .cover h1 { font-size: 22pt; }
  nav.toc { display: none; }
  main, footer { padding: 0; }
  section { margin-top: 18px; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  figure, .card, .cards, .finding, tr, .todo li { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  #findings, #method, #appendix { break-before: page; page-break-before: always; }
  a { color: inherit; text-decoration: none; }
  .grid2 { grid-template-columns: 1fr 1fr; }
  footer { margin-top: 16px; border-top: 1px solid var(--line); padding-top: 6px; }
}
"""
