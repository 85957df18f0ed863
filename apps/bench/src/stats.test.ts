import { describe, expect, it } from 'vitest';
import { bootstrapInterval, median, roundInterval } from './stats.js';

describe('bootstrapInterval', () => {
  const med = ([g]: readonly (readonly number[])[]): number => median(g!);

  it('is a single point for samples that do not vary', () => {
    expect(bootstrapInterval([[2, 2, 2, 2]], med)).toEqual({ low: 2, high: 2, level: 0.9 });
  });

  it('holds the statistic of the samples themselves and stays inside their range', () => {
    const samples = [4.9, 7.3, 8.3, 6.7, 5.1, 6.0, 7.9, 5.5];
    const i = bootstrapInterval([samples], med);
    expect(i.low).toBeLessThanOrEqual(median(samples));
    expect(i.high).toBeGreaterThanOrEqual(median(samples));
    expect(i.low).toBeGreaterThanOrEqual(Math.min(...samples));
    expect(i.high).toBeLessThanOrEqual(Math.max(...samples));
    expect(i.high - i.low).toBeGreaterThan(0);
  });

  it('is the same for the same samples (seeded), and wider for noisier ones', () => {
    const calm = [1.0, 1.02, 0.98, 1.01, 0.99, 1.0, 1.03, 0.97];
    const noisy = calm.map((x) => 1 + (x - 1) * 10);
    expect(bootstrapInterval([calm], med)).toEqual(bootstrapInterval([calm], med));
    const a = bootstrapInterval([calm], med);
    const b = bootstrapInterval([noisy], med);
    expect(b.high - b.low).toBeGreaterThan(5 * (a.high - a.low));
  });

  it('narrows around a difference when the level drops, and redraws each group on its own', () => {
    const g = [1.1, 1.2, 0.9, 1.0, 1.3];
    const o = [0.8, 0.9, 1.0, 0.85, 0.95];
    const diff = ([x, y]: readonly (readonly number[])[]): number => median(x!) - median(y!);
    const wide = bootstrapInterval([g, o], diff, 0.95);
    const narrow = bootstrapInterval([g, o], diff, 0.5);
    expect(wide.low).toBeLessThanOrEqual(narrow.low);
    expect(wide.high).toBeGreaterThanOrEqual(narrow.high);
    expect(narrow.low).toBeLessThanOrEqual(median(g) - median(o));
    expect(narrow.high).toBeGreaterThanOrEqual(median(g) - median(o));
  });

  it('has no interval without samples', () => {
    const i = bootstrapInterval([[]], med);
    expect(Number.isNaN(i.low) && Number.isNaN(i.high)).toBe(true);
  });

  it('rounds both ends and keeps the level', () => {
    expect(roundInterval({ low: 0.12345, high: 1.98765, level: 0.9 })).toEqual({ low: 0.123, high: 1.988, level: 0.9 });
  });
});
