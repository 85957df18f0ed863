import type { GatewayConfig, GatewayState } from '@genswap/gateway';
import type { HttpResult, HttpTask, TaskContext } from '@genswap/supervisor';
import { defineWorker, type TaskEnvelope } from '@genswap/supervisor/worker';
import { gatewayCodec, handleRequest } from '../support/gateway-modules.js';
import { gcFunction, type IsolateMemory, isolateMemory } from '../support/memory.js';

/**
 * The gateway handler under the supervisor, with two bench-only tasks (big-config,
 * memory-churn): `switch` runs one verdict and says whether it was this thread's first task on
 * the generation, with the time spent before the handler got its config (pin; on a first task
 * also checksum + decode) and in the verdict (on a first task also compiling the rules);
 * `memory` reports this thread's V8 heap (in use and committed) + external memory after full
 * GCs, lease held.
 */
export type ProbeTask =
  | { readonly op: 'verdict'; readonly request: HttpTask }
  | { readonly op: 'switch'; readonly request: HttpTask; readonly spinMs: number }
  | { readonly op: 'memory' };

export interface SwitchAnswer {
  readonly first: boolean;
  /** Task start to handler start: acquire (pin, and on a first task checksum + decode). */
  readonly acquireMs: number;
  /** The verdict (on a first task it also compiles the generation's rules). */
  readonly verdictMs: number;
  readonly status: number;
}

let lastGeneration = 0;
let taskStartedAt = 0;
let gc: (() => void) | undefined;

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* keep this thread busy so the next task goes to the other one */ }
}

const entry = defineWorker(
  (task: ProbeTask, config: GatewayConfig, ctx: TaskContext<GatewayState>): HttpResult | SwitchAnswer | IsolateMemory => {
    switch (task.op) {
      case 'verdict':
        return handleRequest(task.request, config, ctx);
      case 'switch': {
        const acquireMs = performance.now() - taskStartedAt;
        const first = ctx.generation !== lastGeneration;
        lastGeneration = ctx.generation;
        const t0 = performance.now();
        const { status } = handleRequest(task.request, config, ctx);
        const verdictMs = performance.now() - t0;
        spin(task.spinMs);
        return { first, acquireMs, verdictMs, status };
      }
      case 'memory':
        gc ??= gcFunction();
        return isolateMemory(gc);
    }
  },
  { codec: gatewayCodec },
);

export default function gatewayProbeTask(task: ProbeTask): Promise<TaskEnvelope<unknown>> {
  taskStartedAt = performance.now();
  return entry(task);
}
