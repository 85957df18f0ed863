import type { ReloadRecord, SupervisorStatus } from '@genswap/supervisor';
import { CliError } from '../errors.js';

async function request(base: string, method: 'GET' | 'POST', path: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { method, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TimeoutError') throw new CliError('GENSWAP_CLI_TIMEOUT', `${method} ${base}${path}: no answer within ${timeoutMs} ms`, { cause: err });
    throw new CliError('GENSWAP_CLI_NO_SERVER', `${method} ${base}${path}: ${(e.cause as Error | undefined)?.message ?? e.message}`, { cause: err });
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError('GENSWAP_CLI_ADMIN_REQUEST', `${method} ${base}${path}: answered ${res.status} with a body that is not JSON`);
  }
  return { status: res.status, body };
}

/** POST /reload: waits for the outcome (200 ok, 422 failed). */
export async function reloadByAdmin(base: string, timeoutMs: number): Promise<ReloadRecord> {
  const { status, body } = await request(base, 'POST', '/reload', timeoutMs);
  if (status !== 200 && status !== 422) {
    throw new CliError('GENSWAP_CLI_ADMIN_REQUEST', `POST ${base}/reload answered ${status}: ${(body as { error?: string }).error ?? ''}`);
  }
  return body as ReloadRecord;
}

export async function statusByAdmin(base: string, timeoutMs: number): Promise<SupervisorStatus> {
  const { status, body } = await request(base, 'GET', '/status', timeoutMs);
  if (status !== 200) throw new CliError('GENSWAP_CLI_ADMIN_REQUEST', `GET ${base}/status answered ${status}`);
  return body as SupervisorStatus;
}
