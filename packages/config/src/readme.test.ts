import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_ERRORS } from './errors.js';
import { DEFAULT_LIMITS } from './limits.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function tableAfter(heading: string): string[][] {
  const section = readme.slice(readme.indexOf(heading));
  const rows: string[][] = [];
  for (const line of section.split('\n').slice(1)) {
    if (line.startsWith('## ') && rows.length > 0) break;
    if (!line.startsWith('| ') || line.startsWith('| ---')) continue;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows.slice(1); // the header row
}

describe('README', () => {
  it('lists every code of the registry in its error table, and no other', () => {
    const documented = tableAfter('## Error codes').map(([code]) => code!.replaceAll('`', ''));
    expect([...documented].sort()).toEqual(Object.keys(CONFIG_ERRORS).sort());
  });

  it('states the default of every safety limit', () => {
    const rows = Object.fromEntries(tableAfter('## Safety limits').map(([name, value]) => [name!.replaceAll('`', ''), value]));
    const shown = (bytes: number): string => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : String(bytes));
    expect(rows).toEqual({
      maxBytes: shown(DEFAULT_LIMITS.maxBytes),
      maxListBytes: shown(DEFAULT_LIMITS.maxListBytes),
      maxListTotalBytes: shown(DEFAULT_LIMITS.maxListTotalBytes),
      maxAliasCount: String(DEFAULT_LIMITS.maxAliasCount),
      maxDepth: String(DEFAULT_LIMITS.maxDepth),
      maxProblems: String(DEFAULT_LIMITS.maxProblems),
    });
  });
});
