/**
 * The CPU figure of the reload-storm anchors (CPU per reload of a whole process tree) comes from
 * treeCpuSeconds: live threads to the nanosecond, reaped children in ticks. Checked against the
 * kernel's own account of this process (getrusage, via process.cpuUsage) and of a child.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const { treeCpuSeconds } = (await import(path.join(root, 'apps/bench/dist/support/process-tree.js'))) as typeof import('../apps/bench/src/support/process-tree.js');

/** Burns CPU on this thread until process.cpuUsage has moved `ms` (no clock: the kernel's count decides). */
function burn(ms: number): void {
  const start = process.cpuUsage();
  let x = 0;
  for (;;) {
    for (let i = 0; i < 10_000; i++) x = (x * 31 + i) | 0;
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) break;
  }
  if (x === 42) console.log(x); // keeps the loop from being optimized away
}

describe.runIf(process.platform === 'linux')('treeCpuSeconds', () => {
  it('matches the kernel\'s account of this process to well under a tick, over a few milliseconds of CPU', () => {
    const between = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number => (b.user - a.user + (b.system - a.system)) / 1000;
    for (const burnMs of [2, 3, 4]) {
      const before = process.cpuUsage();
      const t0 = treeCpuSeconds(process.pid);
      const mid0 = process.cpuUsage();
      burn(burnMs);
      const mid1 = process.cpuUsage();
      const t1 = treeCpuSeconds(process.pid);
      const after = process.cpuUsage();
      // Between the burn alone and the burn with both readings around it (reading /proc costs
      // CPU too, and other threads of this process may run); 10 ms ticks would read 0 or 10.
      const read = (t1 - t0) * 1000;
      expect(read).toBeGreaterThan(between(mid0, mid1) - 0.5);
      expect(read).toBeLessThan(between(before, after) + 0.5);
    }
  });

  it('counts a child that exited and was reaped', () => {
    const t0 = treeCpuSeconds(process.pid);
    const child = spawnSync(process.execPath, ['-e', 'const s = process.cpuUsage(); while (process.cpuUsage(s).user < 200_000) {}']);
    expect(child.status).toBe(0);
    const t1 = treeCpuSeconds(process.pid);
    expect(t1 - t0).toBeGreaterThanOrEqual(0.19);
  });
});
