import { describe, expect, it } from 'vitest';
import { formatPath, formatProblem, ProblemList } from './problems.js';

describe('formatPath', () => {
  it('writes dotted keys, indexes and quoted odd keys', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['ip', 'deny', 3])).toBe('ip.deny[3]');
    expect(formatPath(['rate-limit', 'per_ip'])).toBe('rate-limit.per_ip');
    expect(formatPath(['headers', 'x forwarded', 0])).toBe('headers["x forwarded"][0]');
    expect(formatPath([0, 'a'])).toBe('[0].a');
    expect(formatPath(['80'])).toBe('["80"]');
  });
});

describe('formatProblem', () => {
  it('is file:line:col: path: message [code], without an empty path', () => {
    const p = { file: '/c.yaml', line: 3, column: 7, path: 'ip.deny[0]', message: 'bad', code: 'GENSWAP_CONFIG_TYPE' };
    expect(formatProblem(p)).toBe('/c.yaml:3:7: ip.deny[0]: bad [GENSWAP_CONFIG_TYPE]');
    expect(formatProblem({ ...p, path: '' })).toBe('/c.yaml:3:7: bad [GENSWAP_CONFIG_TYPE]');
  });
});

describe('ProblemList', () => {
  const at = (file: string, line: number, column = 1) => ({ file, line, column, path: '', message: `m${line}`, code: 'GENSWAP_CONFIG_SYNTAX' });

  it('sorts the config file first, then list files, each by position, and drops exact repeats', () => {
    const list = new ProblemList('/c.yaml', 10);
    list.add(at('/b.txt', 1));
    list.add(at('/c.yaml', 9));
    list.add(at('/a.txt', 5));
    list.add(at('/c.yaml', 2, 4));
    list.add(at('/c.yaml', 2, 4));
    expect(list.count).toBe(4);
    expect(list.sorted().map((p) => `${p.file}:${p.line}`)).toEqual(['/c.yaml:2', '/c.yaml:9', '/a.txt:5', '/b.txt:1']);
  });

  it('keeps the first max problems and counts the rest in a last one', () => {
    const list = new ProblemList('/c.yaml', 3);
    for (let i = 1; i <= 10; i++) list.add(at('/c.yaml', i));
    const sorted = list.sorted();
    expect(list.count).toBe(10);
    expect(sorted).toHaveLength(4);
    expect(sorted[3]).toMatchObject({ code: 'GENSWAP_CONFIG_TOO_MANY_PROBLEMS', message: '7 more problems not listed' });
  });
});
