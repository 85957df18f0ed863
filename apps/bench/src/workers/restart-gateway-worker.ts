import { threadId, workerData } from 'node:worker_threads';
import type { GatewayConfig, GatewayState } from '@genswap/gateway';
import type { HttpResult, HttpTask, TaskContext } from '@genswap/supervisor';
import { handleRequest } from '../support/gateway-modules.js';
import { gcFunction, type IsolateMemory, isolateMemory } from '../support/memory.js';

/**
 * The pool-restart alternative's worker: the gateway handler with its config fixed in
 * workerData (a structured clone per thread), as a user without genswap would write it. A new
 * config means a new pool. `ctx.state` (the shared rate-limit table) is the same
 * SharedArrayBuffer in every pool, so counters survive restarts as they survive genswap reloads.
 */
export interface RestartWorkerData {
  readonly config: GatewayConfig;
  readonly generation: number;
  readonly state: GatewayState;
}

/** Bench-only task: the thread's V8 heap (in use, committed) + external memory after full GCs. */
export interface MemoryTask {
  readonly kind: 'bench.memory';
}

export interface RestartAnswer {
  readonly generation: number;
  readonly threadId: number;
  readonly result: HttpResult | IsolateMemory;
}

const data = workerData as RestartWorkerData;
const ctx: TaskContext<GatewayState> = { generation: data.generation, threadId, state: data.state };
let gc: (() => void) | undefined;

export default function restartGatewayTask(task: HttpTask | MemoryTask): RestartAnswer {
  if ('kind' in task && task.kind === 'bench.memory') {
    gc ??= gcFunction();
    return { generation: data.generation, threadId, result: isolateMemory(gc) };
  }
  return { generation: data.generation, threadId, result: handleRequest(task as HttpTask, data.config, ctx) };
}
