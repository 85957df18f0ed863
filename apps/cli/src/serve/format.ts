import { formatProblem } from '@genswap/config';
import type { ReloadRecord, SupervisorStatus } from '@genswap/supervisor';

/** One summary line for a reload; problems follow on their own lines (file:line:col: path: message [code]). */
export function formatReload(record: ReloadRecord): { summary: string; problems: string[] } {
  const coalesced = record.requests > 1 ? `, ${record.requests} requests coalesced` : '';
  if (record.ok) {
    return { summary: `reloaded: generation ${record.generation} is serving (${record.durationMs} ms, reload #${record.id}${coalesced})`, problems: [] };
  }
  const count = record.problems.length === 1 ? '1 problem' : `${record.problems.length} problems`;
  return {
    summary: `reload failed (${count}): generation ${record.generation} keeps serving (${record.durationMs} ms, reload #${record.id}${coalesced})`,
    problems: record.problems.map(formatProblem),
  };
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** The human form of `genswap status`. */
export function formatStatus(status: SupervisorStatus, note?: string): string {
  const c = status.counters;
  const lines = [
    `genswap pid ${status.pid}, ${status.state}, up ${seconds(status.uptimeMs)}, generation ${status.generation}`,
    `config: ${status.files.join(', ') || status.configFile}`,
    `slots:`,
    ...status.store.slots.map((s) => `  slot ${s.slot}: ${s.state.padEnd(7)} generation ${String(s.generation).padEnd(6)} pins ${String(s.pins).padEnd(4)} ${s.bytes} bytes`),
    `workers: ${status.workers.alive}/${status.workers.threads} alive (threads ${status.workers.threadIds.join(', ')}), ${c.workerExits} exited, ${c.deadWorkerPinsReleased} dead pins released`,
    ...(status.http === undefined
      ? [`tasks: ${status.tasks.inFlight} in flight, ${c.tasksOk} ok, ${c.tasksFailed} failed, ${c.tasksAborted} aborted, ${c.tasksLost} lost`]
      : [
          `http: ${status.http.url} (${status.http.listenMode} listening socket), ${status.http.stalls} stalled threads replaced`,
          ...status.http.threads.map(
            (t) =>
              `  thread ${t.seat}: ${t.state.padEnd(8)} id ${String(t.threadId).padEnd(4)} ${t.requests} requests, ${t.inFlight} in flight, ${t.connections} connections, ${t.failed} failed, ${t.refused} refused, ${t.rebalanced} rebalanced, ${t.replacements} replacements`,
          ),
        ]),
    `reloads: ${c.reloadsOk} ok, ${c.reloadsFailed} failed, ${c.reloadRequests} requested${status.reloads.inProgress ? ', one running' : ''}${status.reloads.queued ? ', one queued' : ''}`,
  ];
  for (const r of status.reloads.history.slice(-5)) {
    const { summary, problems } = formatReload(r);
    lines.push(`  ${r.startedAt} [${r.triggers.join(',')}] ${summary}`);
    for (const p of problems) lines.push(`    ${p}`);
  }
  if (note !== undefined) lines.push(note);
  return `${lines.join('\n')}\n`;
}
