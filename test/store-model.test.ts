/**
 * Model-checks the generation store protocol (packages/core/model, see its README): the SPIN
 * model of the code must pass in every configuration, and every mutant (a known way to break
 * the protocol) must be caught by a property of the kind it names.
 *
 * Needs spin and gcc. Without them the test fails when CI is set (CI installs them) and is
 * skipped elsewhere. GENSWAP_SKIP_MODEL_CHECK=1 skips it: CI's second run of the suite, on another Node,
 * need not model-check again.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

interface Case {
  name: string;
  config?: string;
  kind?: string;
}

interface RunResult {
  config: string;
  mutant?: string;
  expected?: string;
  status: string;
  ok: boolean;
  states?: number;
  kind?: string;
  property?: string;
}

interface Summary {
  ok: boolean;
  seconds: number;
  results: RunResult[];
}

const modelDir = fileURLToPath(new URL('../packages/core/model/', import.meta.url));
const { configurations, mutants } = (await import(path.join(modelDir, 'cases.mjs'))) as { configurations: Case[]; mutants: Case[] };

const skipRequested = process.env.GENSWAP_SKIP_MODEL_CHECK === '1';
const spinFound = spawnSync('spin', ['-V']).status === 0;
const gccFound = spawnSync('gcc', ['--version']).status === 0;
const missing = [spinFound ? '' : 'spin', gccFound ? '' : 'gcc'].filter(Boolean).join(' and ');
const inCI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
const skipReason = skipRequested
  ? 'skipped: GENSWAP_SKIP_MODEL_CHECK=1'
  : missing !== '' && !inCI
    ? `skipped: ${missing} not installed (apt-get install spin gcc); CI runs it`
    : undefined;

function runCheck(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(modelDir, 'check.mjs'), '--json', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

if (skipReason !== undefined) {
  describe('store protocol model (SPIN)', () => {
    it.skip(`model check ${skipReason}`, () => {});
  });
} else if (missing !== '') {
  describe('store protocol model (SPIN)', () => {
    it('spin and gcc are installed where CI is set', () => {
      expect.fail(`${missing} not installed, but CI is set: CI must install it (apt-get install -y spin gcc)`);
    });
  });
} else {
  describe('store protocol model (SPIN)', () => {
    let summary: Summary;
    let report = '';

    beforeAll(async () => {
      const run = await runCheck();
      report = run.stderr; // the human-readable report, with the trail of any counter-example
      summary = JSON.parse(run.stdout) as Summary;
      expect(run.code, report).toBe(summary.ok ? 0 : 1);
    }, 600_000);

    function resultOf(mutant: string | undefined, config?: string): RunResult {
      const result = summary.results.find((r) => r.mutant === mutant && (config === undefined || r.config === config));
      expect(result, `check.mjs did not run ${mutant ?? config}`).toBeDefined();
      return result!;
    }

    it.each(configurations.map((c) => c.name))('the model of the code passes in configuration %s', (name) => {
      const result = resultOf(undefined, name);
      expect(result.status, report).toBe('pass');
      expect(result.states).toBeGreaterThan(0);
    });

    it.each(mutants.map((m) => [m.name, m.kind] as const))('mutant %s is caught by a %s property', (name, kind) => {
      const result = resultOf(name);
      expect(result.status, report).toBe('counter-example');
      expect(result.kind, report).toBe(kind);
      expect(result.ok).toBe(true);
    });
  });
}
