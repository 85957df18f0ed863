import { describe, expect, it } from 'vitest';
import { onCpus, parseCpuList } from './cpus.js';

describe('parseCpuList', () => {
  it('reads single CPUs, ranges and mixtures, in order and without repeats', () => {
    expect(parseCpuList('0', 4)).toEqual([0]);
    expect(parseCpuList('2-3', 4)).toEqual([2, 3]);
    expect(parseCpuList('3,0-1,1', 4)).toEqual([0, 1, 3]);
  });

  it('says what is wrong with a list it refuses', () => {
    expect(parseCpuList('', 4)).toMatch(/not a CPU list/);
    expect(parseCpuList('a-b', 4)).toMatch(/not a CPU list/);
    expect(parseCpuList('1,', 4)).toMatch(/not a CPU list/);
    expect(parseCpuList('3-1', 4)).toMatch(/"3-1" in "3-1" runs backwards/);
    expect(parseCpuList('0,4', 4)).toBe('CPU 4 in "0,4" does not exist: this machine has CPUs 0-3');
  });
});

describe('onCpus', () => {
  it('runs the command through taskset only when CPUs are given', () => {
    expect(onCpus(undefined, 'node', ['a.js'])).toEqual(['node', ['a.js']]);
    expect(onCpus('', 'node', ['a.js'])).toEqual(['node', ['a.js']]);
    expect(onCpus('2-3', 'node', ['a.js', '--x'])).toEqual(['taskset', ['-c', '2-3', 'node', 'a.js', '--x']]);
  });
});
