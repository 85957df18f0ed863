import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ReloadRecord, SupervisorStatus } from '@genswap/supervisor';
import { CliError } from '../errors.js';

/**
 * How `genswap reload --pid-file` learns the outcome of the reload its SIGHUP caused.
 *
 * `serve --pid-file run/genswap.pid` writes the pid there, and keeps a state file beside it,
 * `run/genswap.pid.state.json` (see stateFileFor). The state file is rewritten atomically
 * (temp file + rename, synchronously) at two moments:
 *
 *  1. when a reload *starts*, before it reads the config file: `reloadsStarted` = its id;
 *  2. when a reload ends: its record is appended to `reloads` (the last ones, ids increasing).
 *
 * The client reads `reloadsStarted` (say k), sends SIGHUP, and waits for a record with id > k.
 * That record is the right answer: a reload with id > k had not started when the client read
 * the file (the start is written before the config is read), so it read the config after the
 * user edited it (edits come before `genswap reload`). And one will come: a SIGHUP always
 * leads to a reload that starts after it arrives (a new one, or the one queued behind the
 * running one). Coalesced signals share that reload, which is what they should report.
 */
export interface ServeState {
  readonly version: 1;
  readonly pid: number;
  /** Front end URL, e.g. http://127.0.0.1:8080 */
  readonly listen: string;
  /** Admin URL when serve runs with --admin, else null. */
  readonly admin: string | null;
  readonly writtenAt: string;
  readonly generation: number;
  /** Id of the last reload that started (0: none yet). */
  readonly reloadsStarted: number;
  /** The last reload records, oldest first. */
  readonly reloads: readonly ReloadRecord[];
  /** Status snapshot at writtenAt (live status needs --admin). */
  readonly status: SupervisorStatus;
}

export function stateFileFor(pidFile: string): string {
  return `${pidFile}.state.json`;
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Creates the directory of the pid file (and so of the state file) if needed. */
export function ensureDirFor(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
}

export function writePidFile(pidFile: string): void {
  writeAtomic(pidFile, `${process.pid}\n`);
}

export function writeState(file: string, state: ServeState): void {
  writeAtomic(file, `${JSON.stringify(state)}\n`);
}

export function removeFiles(...files: string[]): void {
  for (const file of files) rmSync(file, { force: true });
}

export function readPid(pidFile: string): number {
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8');
  } catch (err) {
    throw new CliError('GENSWAP_CLI_NO_SERVER', `cannot read pid file ${pidFile}: ${(err as Error).message}`, { cause: err });
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new CliError('GENSWAP_CLI_NO_SERVER', `pid file ${pidFile} holds no pid`);
  return pid;
}

export function readState(file: string): ServeState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError('GENSWAP_CLI_NO_SERVER', `cannot read state file ${file} (written by genswap serve --pid-file): ${(err as Error).message}`, { cause: err });
  }
  const state = JSON.parse(text) as ServeState;
  if (state.version !== 1) throw new CliError('GENSWAP_CLI_NO_SERVER', `state file ${file} has an unknown format`);
  return state;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid from a pid file, checked to be a live process. */
export function livePid(pidFile: string): number {
  const pid = readPid(pidFile);
  if (!isAlive(pid)) throw new CliError('GENSWAP_CLI_NO_SERVER', `no process ${pid} (from ${pidFile}): serve is not running, the pid file is stale`);
  return pid;
}

/** Sends SIGHUP and waits for the outcome of a reload that read the config after this call began. */
export async function reloadBySignal(pidFile: string, timeoutMs: number): Promise<ReloadRecord> {
  const pid = livePid(pidFile);
  const file = stateFileFor(pidFile);
  const before = readState(file).reloadsStarted;
  process.kill(pid, 'SIGHUP');
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const record = readState(file).reloads.find((r) => r.id > before);
    if (record !== undefined) return record;
    if (!isAlive(pid)) throw new CliError('GENSWAP_CLI_NO_SERVER', `serve (pid ${pid}) exited before reporting the reload`);
    if (performance.now() > deadline) throw new CliError('GENSWAP_CLI_TIMEOUT', `no reload outcome from pid ${pid} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
