import { readdirSync, readFileSync } from 'node:fs';

/**
 * A process tree as /proc shows it (Linux): the memory and CPU of a server with all its
 * processes (nginx's master and workers, HAProxy's master and worker, genswap's one process),
 * counted alike for every server the anchors compare.
 */

/** The clock ticks of /proc/<pid>/stat times (USER_HZ; 100 on every Linux ABI in use). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime + cutime + cstime, seconds: its own CPU and that of the children it reaped. */
  readonly cpuSeconds: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number): number => Number(fields[i - 3]);
    return { pid, ppid: n(4), cpuSeconds: (n(14) + n(15) + n(16) + n(17)) / TICKS_PER_SECOND };
  } catch {
    return undefined; // gone between the listing and the read
  }
}

/** `root` and every live descendant. */
export function treeOf(root: number): ProcStat[] {
  const all: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat !== undefined) all.push(stat);
  }
  const children = new Map<number, ProcStat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const out: ProcStat[] = [];
  const queue = all.filter((s) => s.pid === root);
  while (queue.length > 0) {
    const s = queue.pop()!;
    out.push(s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return out;
}

function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

/** Resident memory of the whole tree, bytes (pages shared between processes count in each). */
export function treeRss(root: number): number {
  return treeOf(root).reduce((sum, s) => sum + rssBytes(s.pid), 0);
}

/**
 * CPU seconds the tree has used: every live process's own time plus what it reaped from
 * children that exited (nginx's old workers after a reload, HAProxy's old worker).
 */
export function treeCpuSeconds(root: number): number {
  return treeOf(root).reduce((sum, s) => sum + s.cpuSeconds, 0);
}
