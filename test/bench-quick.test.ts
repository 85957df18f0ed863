/**
 * Runs every benchmark scenario in --quick mode, each in its own process as `pnpm bench` does,
 * and checks that each emits a valid JSON report. No timing is asserted here: speed is measured
 * by `pnpm bench`, never judged in CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = path.join(root, 'apps/bench/dist/main.js');
const out = mkdtempSync(path.join(tmpdir(), 'genswap-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const { SCENARIOS } = (await import(path.join(root, 'apps/bench/dist/scenarios/index.js'))) as { SCENARIOS: Record<string, unknown> };

/** The tool each scenario that may skip is measured against. */
const NEEDS: Record<string, string> = { 'serve-throughput': 'wrk', 'anchor-reload-storm': 'wrk', 'fleet-publish': 'etcd' };

describe('pnpm bench --quick', () => {
  it.each(Object.keys(SCENARIOS))('%s runs and writes a valid report', (name) => {
    const run = spawnSync(process.execPath, [main, name, '--quick', '--out', out], { encoding: 'utf8', timeout: 140_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, `${name}.json`), 'utf8'));
    expect(report).toMatchObject({ scenario: name, quick: true });
    expect(report.machine.cores).toBeGreaterThan(0);
    // Scenarios measured against wrk or etcd skip without it, say so in one line, and report the skip.
    if (report.params.skipped !== undefined) {
      const tool = NEEDS[name];
      expect(tool).toBeDefined();
      expect(spawnSync(tool!, ['--version']).error).toBeDefined();
      expect(report.params.skipped).toContain(`${tool} is not installed`);
      expect(run.stdout).toContain(`${name}: skipped: ${report.params.skipped}`);
      return;
    }
    const measurements = Object.values(report.measurements) as { median: number; samples: number[] }[];
    expect(measurements.length).toBeGreaterThan(0);
    for (const m of measurements) {
      expect(Number.isFinite(m.median)).toBe(true);
      expect(m.samples.length).toBeGreaterThan(0);
    }
    for (const r of Object.values(report.ratios) as number[]) expect(Number.isFinite(r)).toBe(true);
  }, 150_000); // the anchor scenarios start nginx and HAProxy as well as genswap; HTTP scenarios take 20-40 s on a busy 2-core machine

  // Pinning needs two CPUs and taskset; the report records the CPUs the bench process really had.
  const pinnable = process.platform === 'linux' && cpus().length >= 2 && spawnSync('taskset', ['--version']).status === 0;
  it.skipIf(!pinnable)('--server-cpus and --client-cpus pin the servers and the bench process, and the report says so', () => {
    const pinned = path.join(out, 'pinned');
    const run = spawnSync(process.execPath, [main, 'reload-storm', '--quick', '--out', pinned, '--server-cpus', '1', '--client-cpus', '0'], { encoding: 'utf8', timeout: 140_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(readFileSync(path.join(pinned, 'reload-storm.json'), 'utf8'));
    expect(report.machine).toMatchObject({ benchCpus: '0', serverCpus: '1' });
    expect(run.stdout).toMatch(/\(bench on CPUs 0, servers on CPUs 1\)/);
  });

  it('refuses a CPU list the machine does not have, before running anything', () => {
    const run = spawnSync(process.execPath, [main, 'acquire', '--server-cpus', `0-${cpus().length}`], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`--server-cpus: CPU ${cpus().length} in "0-${cpus().length}" does not exist`);
    expect(run.stdout).toBe('');
  });

  it('rejects an unknown scenario as a usage error', () => {
    const run = spawnSync(process.execPath, [main, 'no-such-scenario'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/unknown scenario: no-such-scenario/);
  });
});
