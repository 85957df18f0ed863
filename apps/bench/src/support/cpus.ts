import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Pinning for machines with cores to spare: `pnpm bench --server-cpus 2-3 --client-cpus 0-1`
 * runs the HTTP servers under test (reload-storm) on some cores and the bench process (load
 * generator, reload driver, in-process scenarios) on others, so the two stop competing for the
 * same cores. Linux only, through taskset (util-linux), which sets the affinity and execs.
 */
export const SERVER_CPUS_ENV = 'GENSWAP_BENCH_SERVER_CPUS';

/**
 * Checks a taskset-style list (`0`, `2-3`, `0,2-3`) against the machine's `cores`; returns the
 * CPUs it names in order, or a message saying what is wrong.
 */
export function parseCpuList(text: string, cores: number): number[] | string {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) return `"${text}" is not a CPU list (e.g. 0, 2-3 or 0,2-3)`;
  const cpus = new Set<number>();
  for (const part of text.split(',')) {
    const [from, to = from] = part.split('-').map(Number) as [number, number?];
    if (to < from) return `"${part}" in "${text}" runs backwards`;
    for (let cpu = from; cpu <= to; cpu++) {
      if (cpu >= cores) return `CPU ${cpu} in "${text}" does not exist: this machine has CPUs 0-${cores - 1}`;
      cpus.add(cpu);
    }
  }
  return [...cpus].sort((a, b) => a - b);
}

/** Whether taskset can be run here (Linux with util-linux). */
export function hasTaskset(): boolean {
  return process.platform === 'linux' && spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** `command args` as run on `cpus` (through taskset), or unchanged when no CPUs are given. */
export function onCpus(cpus: string | undefined, command: string, args: readonly string[]): [string, string[]] {
  return cpus === undefined || cpus === '' ? [command, [...args]] : ['taskset', ['-c', cpus, command, ...args]];
}

/** The CPUs a process may run on (`Cpus_allowed_list` in /proc), or undefined off Linux. */
export function allowedCpus(pid: number | 'self' = 'self'): string | undefined {
  try {
    return /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
