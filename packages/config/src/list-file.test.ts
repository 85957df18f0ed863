import { describe, expect, it } from 'vitest';
import { splitList } from './list-file.js';

describe('splitList', () => {
  it('keeps one trimmed entry per line with its 1-based line number', () => {
    const list = splitList('# header\n10.0.0.0/8\n\n  11.0.0.0/8\t\n# comment\n12.0.0.0/8  # trailing\n#\n13.0.0.0/8', '/x/list.txt');
    expect(list.file).toBe('/x/list.txt');
    expect(list.entries).toEqual(['10.0.0.0/8', '11.0.0.0/8', '12.0.0.0/8', '13.0.0.0/8']);
    expect([...list.lines]).toEqual([2, 4, 6, 8]);
  });

  it('handles CRLF line ends, blank-only lines and a missing final newline', () => {
    const list = splitList('a\r\n \t \r\nb c\r\n\r\nd', 'f');
    expect(list.entries).toEqual(['a', 'b c', 'd']);
    expect([...list.lines]).toEqual([1, 3, 5]);
  });

  it('gives no entries for empty, blank and comment-only text', () => {
    for (const text of ['', '\n\n', '   ', '# only\n  # comments\n']) {
      const list = splitList(text, 'f');
      expect(list.entries).toEqual([]);
      expect(list.lines).toHaveLength(0);
    }
  });

  it('treats # inside an entry as the start of a comment', () => {
    expect(splitList('abc#def\n', 'f').entries).toEqual(['abc']);
  });

  it('numbers lines past the growth of its line table', () => {
    const text = Array.from({ length: 5000 }, (_, i) => (i % 2 === 0 ? `e${i}` : '# c')).join('\n');
    const list = splitList(text, 'f');
    expect(list.entries).toHaveLength(2500);
    expect(list.entries[2499]).toBe('e4998');
    expect(list.lines[2499]).toBe(4999);
  });
});
