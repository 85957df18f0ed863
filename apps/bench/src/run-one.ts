import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runScenario } from './harness.js';
import { describeMachine } from './machine.js';
import { SCENARIOS } from './scenarios/index.js';

/** Runs one scenario in this process and writes `<out>/<name>.json`. Spawned by main.ts. */
const [name, outDir, quickFlag] = process.argv.slice(2);
const load = name === undefined ? undefined : SCENARIOS[name];
if (load === undefined || outDir === undefined) {
  process.stderr.write(`usage: run-one <scenario> <out-dir> [--quick]; scenarios: ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(2);
}
const report = await runScenario(await load(), { quick: quickFlag === '--quick' });
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, `${report.scenario}.json`), `${JSON.stringify(report, null, 2)}\n`);

const lines = [`# ${report.scenario}: ${report.title}`, `machine: ${describeMachine(report.machine)}`];
for (const [label, m] of Object.entries(report.measurements)) {
  lines.push(`  ${label.padEnd(44)} median ${m.median.toFixed(2)} ${m.unit}  (min ${m.min.toFixed(2)}, max ${m.max.toFixed(2)}, n=${m.samples.length})`);
}
for (const [label, r] of Object.entries(report.ratios)) lines.push(`  ratio ${label}: ${r}`);
for (const t of report.targets) lines.push(`  target ${t.name}: ${t.value} (${t.target}) ${t.met ? 'met' : 'NOT MET'}`);
process.stdout.write(`${lines.join('\n')}\n`);
