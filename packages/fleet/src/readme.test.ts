import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLEET_ERRORS } from './errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('lists every code of the registry in its error table, and no other', () => {
    const section = readme.slice(readme.indexOf('## Error codes'));
    const documented = section.split('\n').filter((l) => l.startsWith('| `')).map((l) => l.split('|')[1]!.trim().replaceAll('`', ''));
    expect(documented.sort()).toEqual(Object.keys(FLEET_ERRORS).sort());
  });
});
