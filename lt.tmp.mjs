import { readFileSync, readdirSync } from 'node:fs';
const dir = process.argv[2]; const file = process.argv[3];
const p = JSON.parse(readFileSync(dir + '/' + readdirSync(dir)[0]));
const ticks = new Map();
for (const n of p.nodes) {
  if (!n.callFrame.url.includes(file)) continue;
  for (const t of n.positionTicks ?? []) ticks.set(t.line, (ticks.get(t.line) ?? 0) + t.ticks);
}
const src = readFileSync(process.argv[4], 'utf8').split('\n');
[...ticks].sort((a, b) => b[1] - a[1]).slice(0, 15).forEach(([l, t]) => console.log(t, l, src[l - 1]?.trim().slice(0, 110)));
