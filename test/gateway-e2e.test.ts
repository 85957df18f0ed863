import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { get as httpGet, killAll, REPO, runCli, startServe, until } from './fixtures/serve/serve-process.js';

/**
 * The gateway end to end: the built `genswap serve` with its defaults (the gateway handler and
 * schema) on a copy of the default config, real HTTP on 127.0.0.1, real SIGHUP. The client is
 * described by X-Forwarded-For, as nginx would (loopback is a trusted proxy in the default config).
 */

const DEFAULT_CONFIG = join(REPO, 'apps/gateway/config');
const dirs: string[] = [];

afterEach(async () => {
  await killAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly verdict: string | undefined;
  readonly rule: string | undefined;
  readonly generation: number;
}

/** A GET on a fresh connection, reduced to what a verdict says. */
async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await httpGet(url, undefined, headers);
  return {
    status: res.status,
    verdict: res.headers['x-genswap-verdict'] as string | undefined,
    rule: res.headers['x-genswap-rule'] as string | undefined,
    generation: res.generation,
  };
}

/** Polls GET until its status is `status`, bounded by a deadline (no fixed sleeps). */
function answerWith(status: number, url: string, headers: Record<string, string>): Promise<Answer> {
  return until(async () => {
    const answer = await get(url, headers);
    return answer.status === status ? answer : undefined;
  }, `status ${status} from ${url}`);
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
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

  const serve = await startServe(config, ['--pid-file', pidFile, '--log-level', 'warn'], 'listening', 'gateway');
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
  const bad = await runCli(['reload', '--pid-file', pidFile]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain(`${config}:${lineOfBad}:7: ip.deny[0]:`);
  expect(bad.stderr).toContain('[GENSWAP_GATEWAY_CONFIG_BAD_CIDR]');
  expect(await get(`${serve.url}/`, client)).toMatchObject({ status: 403, generation: 4 });

  const exited = new Promise<number | null>((resolve) => serve.child.once('exit', (code) => resolve(code)));
  serve.child.kill('SIGTERM');
  expect(await exited).toBe(0);
});
