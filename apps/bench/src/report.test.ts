import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ScenarioReport, target } from './harness.js';
import { BEGIN, buildSummary, END, machinesOf, renderScenario, SUMMARY_SLOTS, spliceReadme } from './report.js';
import { bootstrapInterval, measurement, median } from './stats.js';
import { lineChart } from './svg.js';

const report: ScenarioReport = {
  scenario: 'demo',
  title: 'a demo',
  quick: false,
  machine: { cpu: 'CPU X', cores: 2, memoryGiB: 4, node: 'v20.20.2', platform: 'linux' },
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 2000,
  measurements: { fast: measurement('ns/op', [3, 1, 2]), slow: measurement('ns/op', [10, 30, 20]) },
  ratios: { 'slow / fast': 10 },
  targets: [{ name: 'fast', value: 2, target: '<= 1 ns', met: false }],
  params: { iterations: 5 },
  charts: [{ id: 'c', title: 'T', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [[0, 1], [1, 2]] }] }],
};

describe('report', () => {
  it('renders medians, spreads, ratios, targets and chart links from the JSON', () => {
    const md = renderScenario(report, (f) => `results/${f}`);
    expect(md).toContain('| fast | 2.00 | 1.00 – 3.00 | ns/op | 3 |');
    expect(md).toContain('| slow | 20.0 | 10.0 – 30.0 | ns/op | 3 |');
    expect(md).toContain('| slow / fast | 10.0 |');
    expect(md).toContain('| fast | 2.00 | <= 1 ns | **not met** |');
    expect(md).toContain('![T](results/demo-c.svg)');
  });

  it('prints a target\'s interval, and says when its goal lies inside it', () => {
    const noisy = [0.9, 1.3, 1.0, 1.1, 1.05, 0.95, 1.2, 1.02];
    const inside = target('p99 ratio', median(noisy), '<=', 1, '', bootstrapInterval([noisy], ([g]) => median(g!)));
    const clear = target('req/s ratio', 2, '>=', 1, '', { low: 1.8, high: 2.2, level: 0.9 });
    expect(inside.withinNoise).toBe(true);
    expect(clear.withinNoise).toBe(false);
    const md = renderScenario({ ...report, targets: [inside, clear] }, (f) => f);
    expect(md).toContain(`| p99 ratio | 1.04 (90% interval ${inside.interval!.low.toFixed(2)} – ${inside.interval!.high.toFixed(2)}) | <= 1 | **not met**, within the noise |`);
    expect(md).toContain('| req/s ratio | 2.00 (90% interval 1.80 – 2.20) | >= 1 | met |');
    expect(md).toContain('90% percentile bootstrap');
    expect(renderScenario(report, (f) => f)).not.toContain('bootstrap');
  });

  it('prints counts and bytes as whole numbers', () => {
    const md = renderScenario({ ...report, measurements: { errors: measurement('count', [0, 0, 2]), memory: measurement('bytes', [1234567.4]) } }, (f) => f);
    expect(md).toContain('| errors | 0 | 0 – 2 | count | 3 |');
    expect(md).toContain('| memory | 1,234,567 | 1,234,567 – 1,234,567 | bytes | 1 |');
  });

  it('puts charts of one group on one line, side by side', () => {
    const chart = { title: 'A', xLabel: 'x', yLabel: 'y', series: [] };
    const md = renderScenario({ ...report, charts: [{ ...chart, id: 'a', group: 'g' }, { ...chart, id: 'b', title: 'B', group: 'g' }, { ...chart, id: 'c', title: 'C' }] }, (f) => f);
    expect(md).toContain('![A](demo-a.svg) ![B](demo-b.svg)\n\n![C](demo-c.svg)');
  });

  it('replaces only what lies between the markers, and adds them when missing', () => {
    const readme = `# x\n\n${BEGIN}\nold\n${END}\n\n## after\n`;
    expect(spliceReadme(readme, 'new')).toBe(`# x\n\n${BEGIN}\nnew\n${END}\n\n## after\n`);
    expect(spliceReadme('# y\n', 'new')).toBe(`# y\n\n${BEGIN}\nnew\n${END}\n`);
  });

  it('builds the README table from the scenarios\' summary rows, with a placeholder for each slot not measured yet', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'genswap-report-'));
    try {
      const row = { measure: 'reload a list', genswap: '100 ms', alternative: 'nginx geo + reload', value: '2000 ms', ratio: '20.0x faster' };
      writeFileSync(path.join(dir, 'anchor-big-list.json'), JSON.stringify({ ...report, scenario: 'anchor-big-list', summary: [row] }));
      const md = buildSummary(dir, 'apps/bench/RESULTS.md');
      expect(md).toContain('| reload a list | 100 ms | nginx geo + reload | 2000 ms | 20.0x faster | `anchor-big-list` |');
      expect(md).toContain('| _not measured yet_ | | node:cluster | | | `pnpm bench serve-throughput` |');
      expect(md).toContain('Measured on: CPU X');
      expect(md.split('\n').filter((l) => l.startsWith('| _not measured yet_'))).toHaveLength(SUMMARY_SLOTS.reduce((n, s) => n + s.alternatives.length, 0) - 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names one machine alone, and with several says which scenarios ran on each', () => {
    const on = (scenario: string, cpu: string) => ({ ...report, scenario, machine: { ...report.machine, cpu } });
    expect(machinesOf([on('a', 'CPU X'), on('b', 'CPU X')])).not.toContain('(');
    const two = machinesOf([on('a', 'CPU X'), on('b', 'CPU Y'), on('c', 'CPU X')]);
    expect(two).toMatch(/^CPU X.* \(a, c\); CPU Y.* \(b\)$/);
  });

  it('draws one path per series through points scaled into the plot area', () => {
    const svg = lineChart({ title: 'A & B', xLabel: 'ms', yLabel: 'µs', width: 200, height: 100, series: [{ name: 'a', points: [[0, 0], [10, 10]] }, { name: 'b', points: [[0, 5], [10, 5]] }], markers: [5] });
    expect(svg).toContain('A &amp; B');
    const paths = [...svg.matchAll(/<path d="M([\d.]+),([\d.]+)L([\d.]+),([\d.]+)"/g)].map((m) => m.slice(1).map(Number));
    expect(paths).toHaveLength(2);
    const [a, b] = paths as [number[], number[]];
    expect(a[0]).toBe(64); // left margin
    expect(a[2]).toBe(184); // width - right margin
    expect(a[1]!).toBeGreaterThan(a[3]!); // y grows upwards
    expect(b[1]).toBe(b[3]); // a flat series is flat
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(1);
  });
});
