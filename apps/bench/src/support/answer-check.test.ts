import { describe, expect, it } from 'vitest';
import { checkAnswers, overlapWindows } from './answer-check.js';

const expected = (version: number) => (version % 2 === 1 ? { rule: 'reload-a', status: 200 } : { rule: 'reload-b', status: 403 });

describe('checkAnswers', () => {
  const versionOf = new Map([
    [1, 1],
    [2, 2],
    [3, 3],
  ]);

  it('accepts answers that match the version of their generation', () => {
    const counts = new Map([
      ['1 200 reload-a', 10],
      ['2 403 reload-b', 5],
      ['3 200 reload-a', 7],
    ]);
    expect(checkAnswers({ counts }, versionOf, expected)).toEqual({ inconsistent: 0, errors: 0 });
  });

  it('counts a generation answering with the other version rule or status as inconsistent', () => {
    const counts = new Map([
      ['2 200 reload-a', 3], // generation 2 is version 2: reload-b, 403
      ['3 403 reload-a', 2], // right rule, wrong status
    ]);
    expect(checkAnswers({ counts }, versionOf, expected)).toEqual({ inconsistent: 5, errors: 0 });
  });

  it('counts an unknown or missing generation as inconsistent, and 5xx answers as errors', () => {
    const counts = new Map([
      ['9 200 reload-a', 1],
      ['-1 200 ', 4],
      ['1 502 ', 6],
    ]);
    expect(checkAnswers({ counts }, versionOf, expected)).toEqual({ inconsistent: 5, errors: 6 });
  });
});

describe('overlapWindows', () => {
  it('measures, per new generation, how long older ones kept answering after its first answer', () => {
    const seen = new Map<number, readonly [number, number]>([
      [4, [0, 100]],
      [5, [90, 200]], // generation 4 answered until 100: 10 ms side by side
      [6, [210, 300]], // nothing older after 210
      [7, [295, 320]], // 6 until 300: 5 ms
    ]);
    expect(overlapWindows(seen)).toEqual([10, 0, 5]);
  });

  it('takes the latest answer of any older generation, not only the previous one', () => {
    const seen = new Map<number, readonly [number, number]>([
      [1, [0, 150]], // a straggler of generation 1
      [2, [50, 60]],
      [3, [100, 200]],
    ]);
    expect(overlapWindows(seen)).toEqual([100, 50]);
  });

  it('ignores answers without a generation and gives nothing for a single generation', () => {
    expect(overlapWindows(new Map([[-1, [0, 5]], [3, [1, 2]]]))).toEqual([]);
  });
});
