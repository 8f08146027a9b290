"""The report page's stylesheet: light and dark, one colour per person, system fonts, nothing fetched."""

CSS = """
:root {
  color-scheme: light dark;
  --bg: #f6efe4; --card: #fffcf7; --ink: #3d3229; --muted: #8b7b6c; --line: #e4d8c8; --grid: #f0e7da;
  --future: #f7f0e5; --today: #d08a5c; --shadow: 0 1px 2px rgb(80 50 20 / 6%), 0 6px 20px rgb(80 50 20 / 6%);
  --ok-bg: #e3eddc; --ok-ink: #4b6a3f; --due-bg: #f9e9c8; --due-ink: #85601a;
  --late-bg: #f8dfd6; --late-ink: #a2452c; --new-bg: #e4ebf2; --new-ink: #4a6079;
  --faint: #b3a594;
}
.hue-0 { --hue: #c8643b; --tint: #f6dccf; } .hue-1 { --hue: #5f8a55; --tint: #dcead5; }
.hue-2 { --hue: #3f7aa6; --tint: #d5e4f0; } .hue-3 { --hue: #94598f; --tint: #ecdcea; }
.hue-4 { --hue: #b38224; --tint: #f3e5c6; } .hue-5 { --hue: #2f8a83; --tint: #d2ebe8; }
.hue-6 { --hue: #b4536a; --tint: #f3d9df; }
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #1f1a16; --card: #29231e; --ink: #efe6da; --muted: #a89886; --line: #4a3f35; --grid: #342c25;
    --future: #2f2822; --today: #e0a077; --shadow: 0 1px 2px rgb(0 0 0 / 30%), 0 6px 20px rgb(0 0 0 / 25%);
    --ok-bg: #2f3d2a; --ok-ink: #b5d3a6; --due-bg: #473a1e; --due-ink: #ecd08f;
    --late-bg: #4a2a22; --late-ink: #f2ac95; --new-bg: #28343f; --new-ink: #b0c6dc; --faint: #6d6053;
  }
  .hue-0 { --hue: #ec916a; --tint: #4a3027; } .hue-1 { --hue: #9cc68f; --tint: #2f3d2a; }
  .hue-2 { --hue: #86b6dc; --tint: #24374a; } .hue-3 { --hue: #d49bd0; --tint: #402c3f; }
  .hue-4 { --hue: #e3b65c; --tint: #463a1f; } .hue-5 { --hue: #72cbc2; --tint: #1f3f3c; }
  .hue-6 { --hue: #ec98ab; --tint: #4a2a32; }
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body {
  margin: 0; color: var(--ink); background: var(--bg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif;
}
.page { max-width: 1160px; margin: 0 auto; padding: 36px 28px 28px; }
.top { display: flex; justify-content: space-between; align-items: flex-end; gap: 24px; margin: 0 4px 22px; }
.figures { display: flex; gap: 12px; }
.figure {
  min-width: 112px; padding: 10px 16px; background: var(--card); border-radius: 14px; box-shadow: var(--shadow);
  color: var(--muted); font-size: 12.5px;
}
.figure b { display: block; color: var(--ink); font-size: 24px; line-height: 1.2; font-weight: 650; }
.eyebrow {
  margin: 0; color: var(--hue, var(--today)); font-size: 12px; letter-spacing: .14em; text-transform: uppercase;
  font-weight: 600;
}
h1 {
  margin: 2px 0 6px; font: 600 34px/1.15 ui-serif, "Iowan Old Style", "Palatino Linotype", Palatino, Georgia,
  "DejaVu Serif", serif; letter-spacing: -.01em;
}
.summary { margin: 0; font-size: 18px; }
.asof { margin: 2px 0 0; color: var(--muted); font-size: 13px; }
.legend {
  display: flex; flex-wrap: wrap; gap: 6px 18px; list-style: none; margin: 0 0 8px; padding: 0 4px;
  color: var(--muted); font-size: 12.5px;
}
.legend li { display: flex; align-items: center; gap: 5px; }
.row {
  display: grid; grid-template-columns: 230px minmax(0, 1fr) 178px; align-items: center; gap: 18px;
}
.axis-row { padding: 0 18px; }
.person {
  margin: 0 0 10px; padding: 12px 18px; background: var(--card); border-radius: 16px; box-shadow: var(--shadow);
}
svg.axis, svg.timeline { display: block; width: 100%; height: auto; overflow: visible; }
.who { display: flex; align-items: center; gap: 12px; min-width: 0; }
.who > div { min-width: 0; }
.avatar {
  flex: none; display: grid; place-items: center; width: 38px; height: 38px; border-radius: 50%;
  background: var(--tint); color: var(--hue); font-weight: 700; font-size: 16px;
}
.name { margin: 0; font-size: 16px; font-weight: 650; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.rhythm, .notes, .upcoming, .streak, .count { margin: 0; font-size: 12.5px; color: var(--muted); }
.ahead { margin: 4px 0 0; font-size: 11.5px; color: var(--ink); }
.notes {
  font-style: italic; overflow: hidden; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical;
}
.where { display: flex; flex-direction: column; align-items: flex-start; gap: 3px; }
.chip {
  display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12.5px; font-weight: 600;
  background: var(--ok-bg); color: var(--ok-ink);
}
.chip.due { background: var(--due-bg); color: var(--due-ink); }
.chip.overdue { background: var(--late-bg); color: var(--late-ink); }
.chip.new { background: var(--new-bg); color: var(--new-ink); }
.streak { color: var(--ink); }
.streak.replied::before { content: "♥ "; color: var(--hue); }
.streak.unanswered::before { content: "○ "; color: var(--hue); }
.month { font-size: 11px; fill: var(--muted); }
.week { font-size: 10px; fill: var(--muted); }
.tick.week { stroke: var(--grid); }
.year { font-size: 11px; font-weight: 600; fill: var(--ink); opacity: .7; }
.tick { stroke: var(--line); stroke-width: 1; }
.today-label { font-size: 11px; font-weight: 600; fill: var(--today); }
.today-pin { fill: var(--today); }
.future { fill: var(--future); }
.grid { stroke: var(--grid); stroke-width: 1; }
.track { stroke: var(--line); stroke-width: 2; stroke-linecap: round; }
.today { stroke: var(--today); stroke-width: 1.5; stroke-dasharray: 2 3; opacity: .8; }
.overdue-span { fill: var(--late-bg); }
.contact.replied { fill: var(--hue); stroke: var(--card); stroke-width: 1.5; }
.contact.no-reply { fill: var(--card); stroke: var(--hue); stroke-width: 2; }
.contact.unknown { fill: var(--tint); stroke: var(--hue); stroke-width: 1.5; stroke-dasharray: 2 1.6; }
.checkin.passed { fill: none; stroke: var(--faint); stroke-width: 1.5; }
.checkin.skipped { fill: none; stroke: var(--faint); stroke-width: 1.5; stroke-linecap: round; }
.next { fill: var(--card); stroke: var(--hue); stroke-width: 2; stroke-dasharray: 3 2; }
.next.beyond { stroke-dasharray: none; }
.legend .contact.replied, .legend .contact.no-reply, .legend .contact.unknown, .legend .next { stroke-width: 1.8; }
.legend .next { fill: none; }
.empty { padding: 28px; background: var(--card); border-radius: 16px; box-shadow: var(--shadow); }
.empty p { margin: 0 0 4px; }
.muted { color: var(--muted); }
.foot { margin: 18px 4px 0; color: var(--muted); font-size: 12px; }
@media (max-width: 760px) {
  .page { padding: 24px 14px; }
  .top { flex-direction: column; align-items: flex-start; }
  .row { grid-template-columns: 1fr; gap: 8px; }
  .axis-row { display: none; }
}
"""
