import os from 'node:os';
import { allowedCpus, SERVER_CPUS_ENV } from './support/cpus.js';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  /** The CPUs the bench process ran on, when fewer than all (pnpm bench --client-cpus, a cpuset). */
  readonly benchCpus?: string;
  /** The CPUs the servers under test were pinned to (pnpm bench --server-cpus). */
  readonly serverCpus?: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  const own = allowedCpus();
  const server = process.env[SERVER_CPUS_ENV];
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.arch()} ${os.release()}`,
    ...(own !== undefined && own !== `0-${cpus.length - 1}` && cpus.length > 1 ? { benchCpus: own } : {}),
    ...(server !== undefined && server !== '' ? { serverCpus: server } : {}),
  };
}

export function describeMachine(m: Machine): string {
  const pinning = [m.benchCpus === undefined ? '' : `bench on CPUs ${m.benchCpus}`, m.serverCpus === undefined ? '' : `servers on CPUs ${m.serverCpus}`].filter((p) => p !== '');
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}${pinning.length > 0 ? ` (${pinning.join(', ')})` : ''}`;
}
