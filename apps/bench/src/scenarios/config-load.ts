import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LoadedConfig, loadConfig } from '@genswap/config';
import { definition } from '@genswap/gateway/definition';
import { type Scenario, target } from '../harness.js';
import { type Measurement, measurement, round } from '../stats.js';
import { listEntries, sizeLabel, writeListFile } from '../support/lists.js';

/**
 * Phase 1 of a reload for a big deny list: `loadConfig` of a gateway config naming a list file of
 * N CIDRs (read, YAML parse + list split, zod validation, compile into range tables), with the
 * split taken from LoadedConfig.timings.
 * Alternatives a user would pick for the same list: the list as a JSON array (read + JSON.parse,
 * nothing validated or compiled), and the list inline in the YAML file (for the smaller sizes:
 * YAML is not made for a million entries).
 */

const SIZES = [10_000, 100_000, 1_000_000] as const;
const QUICK_SIZES = [1_000, 10_000] as const;
/** Largest list that is also measured inline in YAML. */
const YAML_INLINE_MAX = 100_000;

interface Files {
  readonly listConfig: string;
  readonly json: string;
  readonly yamlInline: string | undefined;
}

function writeFiles(dir: string, n: number): Files {
  const list = listEntries(n);
  writeListFile(dir, `deny-${n}.txt`, list);
  const listConfig = path.join(dir, `list-${n}.yaml`);
  writeFileSync(listConfig, `ip:\n  denyFiles: [deny-${n}.txt]\n`);
  const json = path.join(dir, `deny-${n}.json`);
  writeFileSync(json, JSON.stringify({ ip: { deny: list } }));
  let yamlInline: string | undefined;
  if (n <= YAML_INLINE_MAX) {
    yamlInline = path.join(dir, `inline-${n}.yaml`);
    writeFileSync(yamlInline, `ip:\n  deny:\n${list.map((e) => `    - ${e}\n`).join('')}`);
  }
  return { listConfig, json, yamlInline };
}

interface Split {
  readonly total: number[];
  readonly read: number[];
  readonly parse: number[];
  readonly validate: number[];
  readonly compile: number[];
}

async function measureLoad(file: string, runs: number, maxBytes?: number): Promise<Split> {
  const split: Split = { total: [], read: [], parse: [], validate: [], compile: [] };
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    const loaded: LoadedConfig<unknown> = await loadConfig(file, definition, maxBytes === undefined ? {} : { maxBytes });
    const total = performance.now() - t0;
    if (r === 0) continue; // warm-up: JIT, file cache
    split.total.push(total);
    split.read.push(loaded.timings.readMs);
    split.parse.push(loaded.timings.parseMs);
    split.validate.push(loaded.timings.validateMs);
    split.compile.push(loaded.timings.compileMs);
  }
  return split;
}

function measureJson(file: string, runs: number, n: number): number[] {
  const samples: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { ip: { deny: string[] } };
    const ms = performance.now() - t0;
    if (parsed.ip.deny.length !== n) throw new Error('JSON list lost entries');
    if (r > 0) samples.push(ms);
  }
  return samples;
}

export const scenario: Scenario = {
  name: 'config-load',
  title: 'loadConfig with a list file of 10k/100k/1M CIDRs (read/parse/validate/compile), beside JSON.parse and inline YAML',
  async run({ quick }) {
    const sizes = quick ? QUICK_SIZES : SIZES;
    const runs = quick ? 2 : 7;
    const dir = mkdtempSync(path.join(tmpdir(), 'genswap-bench-config-'));
    const measurements: Record<string, Measurement> = {};
    const ratios: Record<string, number> = {};
    let largestTotal = Number.NaN;
    try {
      for (const n of sizes) {
        const files = writeFiles(dir, n);
        const split = await measureLoad(files.listConfig, runs);
        const json = measureJson(files.json, runs, n);
        const name = sizeLabel(n);
        measurements[`list file ${name}: loadConfig total`] = measurement('ms', split.total);
        measurements[`list file ${name}:   read`] = measurement('ms', split.read);
        measurements[`list file ${name}:   parse (YAML + list split)`] = measurement('ms', split.parse);
        measurements[`list file ${name}:   validate`] = measurement('ms', split.validate);
        measurements[`list file ${name}:   compile (CIDRs to ranges)`] = measurement('ms', split.compile);
        measurements[`JSON array ${name}: read + JSON.parse`] = measurement('ms', json);
        const readParse = split.read.map((r, i) => r + split.parse[i]!);
        ratios[`list read+parse / JSON read+parse (${name})`] = round(measurement('ms', readParse).median / measurement('ms', json).median);
        if (files.yamlInline !== undefined) {
          // An inline YAML list of 100k entries is over the default 4 MiB cap: raised here on purpose.
          const inline = await measureLoad(files.yamlInline, runs, 64 * 1024 * 1024);
          measurements[`inline YAML ${name}: loadConfig total`] = measurement('ms', inline.total);
          ratios[`inline YAML / list file, total (${name})`] = round(measurement('ms', inline.total).median / measurement('ms', split.total).median);
        }
        largestTotal = measurement('ms', split.total).median;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const largest = sizes[sizes.length - 1]!;
    return {
      params: { sizes: [...sizes], runs, yamlInlineMax: YAML_INLINE_MAX, schema: '@genswap/gateway/definition' },
      measurements,
      ratios,
      targets: quick ? [] : [target(`loadConfig with ${sizeLabel(largest)} list entries, ms`, round(largestTotal, 1), '<=', 1000, 'ms')],
      notes: [
        'Each load reads the files afresh (page cache warm after the first, discarded, run).',
        'The JSON alternative only parses: no validation, no CIDR check, no compiled table; the list file does all of these.',
        'List-file time is counted as read (I/O) and parse (line splitting) in LoadedConfig.timings, not as compile.',
      ],
    };
  },
};
