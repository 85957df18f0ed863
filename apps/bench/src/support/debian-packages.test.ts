import { describe, expect, it } from 'vitest';
import { type DebianPackage, type InstallDeps, installMissing } from './debian-packages.js';

function fakeDeps(present: Set<DebianPackage>, fail?: string): InstallDeps & { calls: string[]; lines: string[] } {
  const calls: string[] = [];
  const lines: string[] = [];
  return {
    calls,
    lines,
    present: (p) => present.has(p),
    run: (command, args) => {
      calls.push([command, ...args].join(' '));
      if (fail !== undefined && args[0] === 'install') return fail;
      if (args[0] === 'install') for (const a of args.slice(1)) if (!a.startsWith('-')) present.add(a as DebianPackage);
      return undefined;
    },
    log: (line) => lines.push(line),
  };
}

describe('installMissing', () => {
  it('runs nothing when every package is present', () => {
    const deps = fakeDeps(new Set(['wrk', 'nginx']));
    expect(installMissing(['wrk', 'nginx', 'wrk'], deps)).toEqual({ installed: [], missing: [] });
    expect(deps.calls).toEqual([]);
  });

  it('updates once, then installs only the missing packages, each named once', () => {
    const deps = fakeDeps(new Set(['nginx']));
    const out = installMissing(['wrk', 'nginx', 'haproxy', 'wrk'], deps);
    expect(deps.calls).toEqual(['apt-get update -qq', 'apt-get install -y -qq wrk haproxy']);
    expect(out).toEqual({ installed: ['wrk', 'haproxy'], missing: [] });
  });

  it('says which packages are still missing and why when apt-get fails', () => {
    const deps = fakeDeps(new Set(), 'apt-get install exited 100: E: Unable to locate package wrk');
    const out = installMissing(['wrk'], deps);
    expect(out.missing).toEqual(['wrk']);
    expect(out.why).toContain('Unable to locate package');
    expect(deps.lines.at(-1)).toMatch(/could not install wrk .*Unable to locate package/);
  });
});
