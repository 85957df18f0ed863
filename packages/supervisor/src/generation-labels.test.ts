import { describe, expect, it } from 'vitest';
import { GenerationLabels } from './generation-labels.js';

describe('GenerationLabels', () => {
  it('names the revision of a labeled generation, and 0 otherwise', () => {
    const labels = new GenerationLabels();
    expect(labels.revisionOf(1)).toBe(0);
    labels.set(1, 7);
    labels.set(2, 9);
    expect(labels.revisionOf(1)).toBe(7);
    expect(labels.revisionOf(2)).toBe(9);
  });

  it('L3: a generation whose pair was reused answers 0, not the newer revision', () => {
    const labels = new GenerationLabels();
    labels.set(3, 1);
    labels.set(3 + 64, 2);
    expect(labels.revisionOf(3)).toBe(0);
    expect(labels.revisionOf(67)).toBe(2);
  });

  it('is shared: a second view over the buffer reads what the first wrote', () => {
    const primary = new GenerationLabels();
    const thread = new GenerationLabels(primary.buffer);
    primary.set(5, 42);
    expect(thread.revisionOf(5)).toBe(42);
  });
});
