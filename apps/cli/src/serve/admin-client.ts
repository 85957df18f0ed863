import { request } from 'node:http';
import type { ReloadRecord, SupervisorStatus } from '@genswap/supervisor';
import { CliError } from '../errors.js';

/** An admin listener: `http://host:port` or `unix:/path/to/socket`, and the token it wants. */
export interface AdminEndpoint {
  readonly base: string;
  readonly token?: string;
}

function send(endpoint: AdminEndpoint, method: 'GET' | 'POST', path: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  const where = endpoint.base.startsWith('unix:') ? { socketPath: endpoint.base.slice('unix:'.length) } : (() => {
    const url = new URL(endpoint.base);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) };
  })();
  const headers: Record<string, string> = {};
  if (endpoint.token !== undefined) headers['authorization'] = `Bearer ${endpoint.token}`;
  return new Promise((resolve, reject) => {
    const req = request({ ...where, method, path, headers, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end();
  });
}

async function call(endpoint: AdminEndpoint, method: 'GET' | 'POST', path: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const what = `${method} ${endpoint.base}${path}`;
  let answer: { status: number; text: string };
  try {
    answer = await send(endpoint, method, path, timeoutMs);
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TimeoutError') throw new CliError('GENSWAP_CLI_TIMEOUT', `${what}: no answer within ${timeoutMs} ms`, { cause: err });
    throw new CliError('GENSWAP_CLI_NO_SERVER', `${what}: ${e.message}`, { cause: err });
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    throw new CliError('GENSWAP_CLI_ADMIN_REQUEST', `${what}: answered ${answer.status} with a body that is not JSON`);
  }
  if (answer.status === 401) {
    throw new CliError('GENSWAP_CLI_ADMIN_REQUEST', `${what}: answered 401: ${(body as { error?: string }).error ?? ''} (give the token with --admin-token-file or --admin-token-env)`);
  }
  return { status: answer.status, body };
}

/** POST /reload: waits for the outcome (200 ok, 422 failed). */
export async function reloadByAdmin(endpoint: AdminEndpoint, timeoutMs: number): Promise<ReloadRecord> {
  const { status, body } = await call(endpoint, 'POST', '/reload', timeoutMs);
  if (status !== 200 && status !== 422) {
    throw new CliError('GENSWAP_CLI_ADMIN_REQUEST', `POST ${endpoint.base}/reload answered ${status}: ${(body as { error?: string }).error ?? ''}`);
  }
  return body as ReloadRecord;
}

export async function statusByAdmin(endpoint: AdminEndpoint, timeoutMs: number): Promise<SupervisorStatus> {
  const { status, body } = await call(endpoint, 'GET', '/status', timeoutMs);
  if (status !== 200) throw new CliError('GENSWAP_CLI_ADMIN_REQUEST', `GET ${endpoint.base}/status answered ${status}: ${(body as { error?: string }).error ?? ''}`);
  return body as SupervisorStatus;
}
