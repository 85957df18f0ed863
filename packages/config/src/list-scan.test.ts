import { describe, expect, it } from 'vitest';
import { splitList } from './list-file.js';
import { scanListBytes } from './list-scan.js';

/** The entries scanListBytes finds, as strings with their lines: splitList is the reference. */
function scanned(text: string): { entries: string[]; lines: number[] } {
  const bytes = Buffer.from(text, 'utf8');
  const entries: string[] = [];
  const lines: number[] = [];
  expect(scanListBytes(bytes, (start, end, line) => {
    entries.push(bytes.toString('utf8', start, end));
    lines.push(line);
  })).toBeUndefined();
  return { entries, lines };
}

describe('scanListBytes', () => {
  it('finds the entries and lines splitList finds', () => {
    const samples = [
      'a\nb\n',
      '\ufeff# head\n  10.0.0.0/8  \r\n\n\t192.0.2.1\t# one host\n#\n   \nlast',
      'x # y # z\n#only\n é \n',
      '',
      '\n\n\n',
    ];
    for (const text of samples) {
      const reference = splitList(text.replace(/^\ufeff/, ''), 'f');
      expect(scanned(text)).toEqual({ entries: reference.entries, lines: Array.from(reference.lines) });
    }
  });

  it('reports the column of an entry and a control character in UTF-16 units', () => {
    const columns: number[] = [];
    scanListBytes(Buffer.from('  a\n\tb'), (_s, _e, _l, column) => columns.push(column));
    expect(columns).toEqual([3, 2]);
    expect(scanListBytes(Buffer.from('ok\n# é\u0007\n'), () => {})).toMatchObject({ line: 2, column: 4, code: 'GENSWAP_CONFIG_BINARY' });
    expect(scanListBytes(Buffer.from('a\u0000'), () => {})?.message).toBe('binary content: NUL byte');
  });

  it('scans a part of the bytes from a given line', () => {
    const bytes = Buffer.from('one\ntwo\nthree\n');
    const seen: string[] = [];
    scanListBytes(bytes, (s, e, line) => seen.push(`${line}:${bytes.toString('utf8', s, e)}`), 4, 7, 2);
    expect(seen).toEqual(['2:two']);
  });
});
