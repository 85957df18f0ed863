import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus as machineCpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildResults, buildSummary, spliceReadme } from './report.js';
import { DEBIAN_PACKAGES, NODE_FLAGS, SCENARIOS } from './scenarios/index.js';
import { hasTaskset, onCpus, parseCpuList, SERVER_CPUS_ENV } from './support/cpus.js';
import { installMissing } from './support/debian-packages.js';

/**
 * `pnpm bench [scenario ...] [options]` (see USAGE): installs the Debian packages the chosen
 * scenarios run against when missing (support/debian-packages.ts), runs each scenario in its own process (so
 * one's JIT state, heap and threads cannot colour another's), writes JSON results, then
 * regenerates apps/bench/RESULTS.md, its SVG charts and the README's table from every result in the folder.
 * `--quick` (tiny sizes, for CI) and `--out` leave the README alone. `pnpm bench report` only
 * regenerates the section.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const USAGE = `usage: pnpm bench [scenario ...] [--quick] [--out DIR] [--server-cpus LIST] [--client-cpus LIST]
       pnpm bench report
  --quick              tiny sizes, one round: checks each scenario runs; JSON to
                       node_modules/.cache/genswap/bench-quick (no README or RESULTS.md change)
  --out DIR            write the JSON results to DIR instead of apps/bench/results (no README change)
  --server-cpus LIST   run the HTTP servers under test (reload-storm) on these CPUs, e.g. 2-3
  --client-cpus LIST   run the bench process (load generator, reload driver, in-process
                       scenarios) on these CPUs, e.g. 0-1; both need Linux and taskset
scenarios: ${Object.keys(SCENARIOS).join(', ')}
wrk, nginx, HAProxy and etcd come from Debian: missing ones are installed first
(apt-get update once, then apt-get install -y; needs root).
`;

function usageError(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(2);
}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        'server-cpus': { type: 'string' },
        'client-cpus': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    return usageError((err as Error).message);
  }
}
const parsed = parseCommandLine();
if (parsed.values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const quick = parsed.values.quick;
const repoRoot = path.resolve(here, '..', '..', '..');
// --quick never writes over the committed results: its JSON goes under node_modules/.cache.
const outDir =
  parsed.values.out !== undefined
    ? path.resolve(parsed.values.out)
    : quick
      ? path.join(repoRoot, 'node_modules', '.cache', 'genswap', 'bench-quick')
      : path.resolve(here, '..', 'results');
const reportOnly = parsed.positionals[0] === 'report';
const names = reportOnly ? [] : parsed.positionals;
const unknown = names.filter((n) => !(n in SCENARIOS));
if (unknown.length > 0) usageError(`unknown scenario: ${unknown.join(', ')}`);
const serverCpus = parsed.values['server-cpus'];
const clientCpus = parsed.values['client-cpus'];
for (const [flag, list] of [['--server-cpus', serverCpus], ['--client-cpus', clientCpus]] as const) {
  if (list === undefined) continue;
  const cpus = parseCpuList(list, machineCpus().length);
  if (typeof cpus === 'string') usageError(`${flag}: ${cpus}`);
  if (!hasTaskset()) usageError(`${flag} needs taskset (Linux, util-linux package): install it or leave ${flag} out`);
}

const toRun = reportOnly ? [] : names.length > 0 ? names : Object.keys(SCENARIOS);
installMissing(toRun.flatMap((name) => DEBIAN_PACKAGES[name] ?? []));

let failed = 0;
for (const name of toRun) {
  const [command, argv] = onCpus(clientCpus, process.execPath, [...(NODE_FLAGS[name] ?? []), path.join(here, 'run-one.js'), name, outDir, ...(quick ? ['--quick'] : [])]);
  const env = serverCpus === undefined ? process.env : { ...process.env, [SERVER_CPUS_ENV]: serverCpus };
  const run = spawnSync(command, argv, { stdio: 'inherit', env });
  if (run.status !== 0) {
    failed++;
    process.stderr.write(`scenario ${name} failed (exit ${run.status ?? run.signal})\n`);
  }
}
const defaultOut = parsed.values.out === undefined;
if (!quick && defaultOut) {
  const resultsPath = path.resolve(here, '..', 'RESULTS.md');
  writeFileSync(resultsPath, buildResults(outDir, Object.keys(SCENARIOS), 'results'));
  const readmePath = path.join(repoRoot, 'README.md');
  writeFileSync(readmePath, spliceReadme(readFileSync(readmePath, 'utf8'), buildSummary(outDir, 'apps/bench/RESULTS.md')));
  process.stdout.write(`${resultsPath} and the benchmark table of ${readmePath} regenerated\n`);
}
process.exit(failed > 0 ? 1 : 0);
