import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReport, spliceReadme } from './report.js';
import { NODE_FLAGS, SCENARIOS } from './scenarios/index.js';

/**
 * `pnpm bench [scenario ...] [--quick] [--out DIR]`: runs each scenario in its own process
 * (so one's JIT state, heap and threads cannot colour another's), writes JSON results, then
 * regenerates the README's benchmark section and SVG charts from every result in the folder.
 * `--quick` (tiny sizes, for CI) and `--out` leave the README alone. `pnpm bench report` only
 * regenerates the section.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outIndex = args.indexOf('--out');
const outDir = outIndex >= 0 ? path.resolve(args[outIndex + 1] ?? '') : path.resolve(here, '..', 'results');
const reportOnly = args[0] === 'report';
const names = reportOnly ? [] : args.filter((a, i) => !a.startsWith('--') && (outIndex < 0 || i !== outIndex + 1));
const unknown = reportOnly ? [] : names.filter((n) => !(n in SCENARIOS));
if (args.includes('--help') || unknown.length > 0) {
  if (unknown.length > 0) process.stderr.write(`unknown scenario: ${unknown.join(', ')}\n`);
  process.stderr.write(`usage: pnpm bench [scenario ...] [--quick] [--out DIR]\nscenarios: ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(unknown.length > 0 ? 2 : 0);
}
let failed = 0;
for (const name of reportOnly ? [] : names.length > 0 ? names : Object.keys(SCENARIOS)) {
  const run = spawnSync(process.execPath, [...(NODE_FLAGS[name] ?? []), path.join(here, 'run-one.js'), name, outDir, ...(quick ? ['--quick'] : [])], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    process.stderr.write(`scenario ${name} failed (exit ${run.status ?? run.signal})\n`);
  }
}
const defaultOut = outIndex < 0;
if (!quick && defaultOut) {
  const readmePath = path.resolve(here, '..', '..', '..', 'README.md');
  const section = buildReport(outDir, Object.keys(SCENARIOS), 'apps/bench/results');
  writeFileSync(readmePath, spliceReadme(readFileSync(readmePath, 'utf8'), section));
  process.stdout.write(`benchmark section of ${readmePath} regenerated\n`);
}
process.exit(failed > 0 ? 1 : 0);
