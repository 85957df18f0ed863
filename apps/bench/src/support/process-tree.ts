import { readdirSync, readFileSync } from 'node:fs';

/**
 * Memory of a server as the machine sees it: a process and every process below it (a
 * node:cluster primary and its workers), read from /proc (Linux). RSS counts a page shared by
 * two processes (the node binary's text, for one) once in each; PSS splits it between them.
 */
export interface TreeMemory {
  /** Sum of VmRSS over the tree, bytes. */
  readonly rss: number;
  /** Sum of Pss from smaps_rollup, bytes (NaN where the kernel does not offer it). */
  readonly pss: number;
  /** VmRSS of the root alone (a cluster's primary), bytes. */
  readonly rootRss: number;
  readonly processes: number;
}

/** The parent pid of `pid`, from /proc/<pid>/stat (the field after the `(comm)`, which may hold spaces). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined; // gone meanwhile
  }
}

/** `root` and its descendants, alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    const list = children.get(parent) ?? [];
    list.push(pid);
    children.set(parent, list);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

function kibField(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m === null ? Number.NaN : Number(m[1]) * 1024;
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** VmRSS of the tree only: cheap enough to sample every few hundred ms under load. */
export function treeRss(root: number): number {
  let rss = 0;
  for (const pid of processTree(root)) {
    const value = kibField(readOr(`/proc/${pid}/status`), 'VmRSS');
    if (Number.isFinite(value)) rss += value;
  }
  return rss;
}

/** RSS and PSS of the tree (smaps_rollup walks the page tables: read it once per run, not in a loop). */
export function treeMemory(root: number): TreeMemory {
  let rss = 0;
  let pss = 0;
  let rootRss = 0;
  const pids = processTree(root);
  for (const pid of pids) {
    const value = kibField(readOr(`/proc/${pid}/status`), 'VmRSS');
    if (Number.isFinite(value)) rss += value;
    if (pid === root) rootRss = value;
    pss += kibField(readOr(`/proc/${pid}/smaps_rollup`), 'Pss');
  }
  return { rss, pss, rootRss, processes: pids.length };
}

/** CPU time (user + system) so far: the root's main thread, and every other thread of the tree. */
export interface TreeCpu {
  readonly mainThreadS: number;
  readonly otherThreadsS: number;
}

const TICKS_PER_S = 100; // USER_HZ: 100 on every Linux build that matters (getconf CLK_TCK)

function threadCpuS(pid: number, tid: number): number {
  const stat = readOr(`/proc/${pid}/task/${tid}/stat`);
  if (stat === '') return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After `(comm)`: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** Where the tree's CPU went: main thread of `root` (tid = pid) against the rest. */
export function treeCpu(root: number): TreeCpu {
  let mainThreadS = 0;
  let otherThreadsS = 0;
  for (const pid of processTree(root)) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const s = threadCpuS(pid, Number(tid));
      if (pid === root && Number(tid) === root) mainThreadS += s;
      else otherThreadsS += s;
    }
  }
  return { mainThreadS, otherThreadsS };
}

/** Run time of one thread so far, ns: /proc/<pid>/task/<tid>/schedstat's first field (kernel accounting, exact). */
function threadRunNs(pid: number, tid: string): number | undefined {
  const text = readOr(`/proc/${pid}/task/${tid}/schedstat`);
  const ns = Number(text.split(' ')[0]);
  return text === '' || !Number.isFinite(ns) ? undefined : ns;
}

/**
 * CPU seconds the tree has used: every live thread's run time, to the nanosecond (schedstat),
 * plus what each process reaped from children that exited (nginx's old workers after a reload,
 * HAProxy's old worker), in the 10 ms ticks /proc/<pid>/stat gives. Where schedstat is missing
 * (kernels without it), a process's own utime + stime in ticks instead. A thread that exits
 * between two readings drops out of the second: compare readings of a tree whose threads live
 * through the window (genswap's do; nginx and HAProxy replace processes, which are reaped).
 *
 * Why not utime + stime alone: at 10 ms a tick, twenty reloads of ~1 ms each are two ticks,
 * so a per-reload figure read that way is only good to about ±0.5 ms.
 */
export function treeCpuSeconds(root: number): number {
  let seconds = 0;
  for (const pid of processTree(root)) {
    const stat = readOr(`/proc/${pid}/stat`);
    if (stat === '') continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime (fields 14-17) are at 11-14 after `(comm)`.
    seconds += (Number(fields[13]) + Number(fields[14])) / TICKS_PER_S;
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone meanwhile
    }
    let ns = 0;
    for (const tid of tids) {
      const run = threadRunNs(pid, tid);
      if (run === undefined) {
        ns = Number.NaN;
        break;
      }
      ns += run;
    }
    seconds += Number.isNaN(ns) ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S : ns / 1e9;
  }
  return seconds;
}
