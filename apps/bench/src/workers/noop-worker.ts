/** Raw piscina's no-op task (throughput scenario): the baseline every pool pays. */
export default function noop(task: number): number {
  return task;
}
