import { threadId } from 'node:worker_threads';

/**
 * Raw piscina returning a result shaped like defineWorker's envelope, without pinning anything
 * (throughput scenario): separates the cost of cloning the bigger result from the pin itself.
 */
export default function envelopeNoop(task: number): { kind: string; ok: true; generation: number; threadId: number; result: number } {
  return { kind: 'genswap.task', ok: true, generation: 1, threadId, result: task };
}
