import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';

/**
 * The gateway end to end: the built `genswap serve` with its defaults (the gateway handler and
 * schema) on a copy of the default config, real HTTP on 127.0.0.1, real SIGHUP. The client is
 * described by X-Forwarded-For, as nginx would (loopback is a trusted proxy in the default config).
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(REPO, 'apps/cli/dist/main.js');
const DEFAULT_CONFIG = join(REPO, 'apps/gateway/config');

const children = new Set<ChildProcess>();
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  children.clear();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly verdict: string | undefined;
  readonly rule: string | undefined;
  readonly generation: number;
}

function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          verdict: res.headers['x-genswap-verdict'] as string | undefined,
          rule: res.headers['x-genswap-rule'] as string | undefined,
          generation: Number(res.headers['x-genswap-generation']),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** Polls GET until its status is `status`, bounded by a deadline (no fixed sleeps). */
function answerWith(status: number, url: string, headers: Record<string, string>): Promise<Answer> {
  return until(async () => {
    const answer = await get(url, headers);
    return answer.status === status ? answer : undefined;
  }, `status ${status} from ${url}`);
}

/** Polls until `probe` returns a value, bounded by a deadline. */
async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

function startServe(config: string, pidFile: string): Promise<{ child: ChildProcess; url: string; pid: number }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', config, '--listen', '127.0.0.1:0', '--threads', '2', '--pid-file', pidFile, '--log-level', 'warn'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out} ${err}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out} ${err}`)));
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /listening on (http:\/\/\S+) \(pid (\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, pid: Number(m[2]) });
      }
    });
  });
}

function runReload(pidFile: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'reload', '--pid-file', pidFile], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('genswap reload did not finish'));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

it('genswap serve with the default config: deny an address by editing the config + SIGHUP, then allow it back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'genswap-gateway-e2e-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'lists'));
  copyFileSync(join(DEFAULT_CONFIG, 'lists/deny.txt'), join(dir, 'lists/deny.txt'));
  const original = readFileSync(join(DEFAULT_CONFIG, 'gateway.yaml'), 'utf8');
  const config = join(dir, 'gateway.yaml');
  writeAtomic(config, original);
  const pidFile = join(dir, 'genswap.pid');

  const serve = await startServe(config, pidFile);
  const client = { 'x-forwarded-for': '192.0.2.7' };

  expect(await get(`${serve.url}/`)).toEqual({ status: 200, verdict: 'allow', rule: 'ip.allow', generation: 1 });
  expect(await get(`${serve.url}/`, client)).toEqual({ status: 200, verdict: 'allow', rule: 'default', generation: 1 });
  expect(await get(`${serve.url}/`, { 'x-forwarded-for': '203.0.113.5' })).toMatchObject({ status: 403, rule: 'ip.deny' });

  // Deny 192.0.2.7 in the YAML; SIGHUP the primary.
  const denied = original.replace('    - 192.0.2.66          # TEST-NET-1: an example of a single address', '    - 192.0.2.66\n    - 192.0.2.7');
  expect(denied).not.toBe(original);
  writeAtomic(config, denied);
  process.kill(serve.pid, 'SIGHUP');
  expect(await answerWith(403, `${serve.url}/`, client)).toEqual({
    status: 403,
    verdict: 'deny',
    rule: 'ip.deny',
    generation: 2,
  });

  // Allow it back.
  writeAtomic(config, original);
  process.kill(serve.pid, 'SIGHUP');
  expect(await answerWith(200, `${serve.url}/`, client)).toEqual({
    status: 200,
    verdict: 'allow',
    rule: 'default',
    generation: 3,
  });

  // A list file edit takes effect on reload too.
  writeAtomic(join(dir, 'lists/deny.txt'), `${readFileSync(join(dir, 'lists/deny.txt'), 'utf8')}192.0.2.0/28\n`);
  process.kill(serve.pid, 'SIGHUP');
  expect(await answerWith(403, `${serve.url}/`, client)).toMatchObject({
    rule: 'ip.deny',
    generation: 4,
  });

  // A bad CIDR is refused with its location; generation 4 keeps serving.
  writeAtomic(config, original.replace('    - 192.0.2.66          # TEST-NET-1', '    - 192.0.2.66/8        # TEST-NET-1'));
  const lineOfBad = original.split('\n').findIndex((l) => l.includes('192.0.2.66')) + 1;
  const bad = await runReload(pidFile);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain(`${config}:${lineOfBad}:7: ip.deny[0]:`);
  expect(bad.stderr).toContain('[GENSWAP_GATEWAY_CONFIG_BAD_CIDR]');
  expect(await get(`${serve.url}/`, client)).toMatchObject({ status: 403, generation: 4 });

  const exited = new Promise<number | null>((resolve) => serve.child.once('exit', (code) => resolve(code)));
  serve.child.kill('SIGTERM');
  expect(await exited).toBe(0);
});
