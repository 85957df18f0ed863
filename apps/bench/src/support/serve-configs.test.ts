import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfigText } from '@genswap/config';
import { createRateLimitState, definition, handleRequestAt } from '@genswap/gateway';
import type { HttpTask } from '@genswap/supervisor';
import { afterAll, describe, expect, it } from 'vitest';
import { listEntries, writeListFile } from './lists.js';
import { expectedAnswer, RELOAD_TEXTS, serveConfig } from './serve-configs.js';

const dir = mkdtempSync(path.join(tmpdir(), 'genswap-serve-configs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const state = createRateLimitState({ entries: 1024 });
const probe: HttpTask = { method: 'GET', url: '/', headers: { host: 'example.com', 'x-forwarded-for': '100.64.0.9', 'user-agent': 'Mozilla/5.0' }, remoteAddress: '127.0.0.1' };

async function verdictOf(text: string, task: HttpTask = probe, generation = 1) {
  const { value } = await parseConfigText(text, path.join(dir, 'config.yaml'), definition);
  const result = handleRequestAt(task, value, { generation, threadId: 0, state }, 1_700_000_000_000);
  return { status: result.status, rule: result.headers?.['x-genswap-rule'], verdict: result.headers?.['x-genswap-verdict'] };
}

describe('serve-throughput configs', () => {
  it('judge the probe in full: loopback is only a trusted proxy, no limit rule, allowed by default', async () => {
    expect(await verdictOf(serveConfig())).toEqual({ status: 200, rule: 'default', verdict: 'allow' });
    // Loopback is no longer allowed outright: a scanner calling from 127.0.0.1 is judged by the rules.
    const scanner = { ...probe, headers: { host: 'example.com', 'user-agent': 'sqlmap/1.7' } };
    expect(await verdictOf(serveConfig(), scanner)).toMatchObject({ rule: 'scanners', verdict: 'deny' });
    expect(serveConfig()).not.toMatch(/action: limit/);
  });

  it('keep the bundled deny list and add the given list files', async () => {
    const list = writeListFile(dir, 'deny.txt', listEntries(1000));
    const text = serveConfig({ denyFiles: [list] });
    expect(await verdictOf(text)).toEqual({ status: 200, rule: 'default', verdict: 'allow' });
    const listed = { ...probe, headers: { ...probe.headers, 'x-forwarded-for': listEntries(2)[1]! } };
    expect(await verdictOf(text, listed)).toMatchObject({ rule: 'ip.deny', verdict: 'deny' });
    const bundled = { ...probe, headers: { ...probe.headers, 'x-forwarded-for': '198.51.100.7' } };
    expect(await verdictOf(text, bundled)).toMatchObject({ rule: 'ip.deny', verdict: 'deny' });
  });

  it('give the two reload versions different verdicts for the probe, as expectedAnswer says', async () => {
    for (const version of [1, 2, 3, 4]) {
      const { rule, status } = await verdictOf(RELOAD_TEXTS[version % RELOAD_TEXTS.length]!, probe, version);
      expect({ rule, status }).toEqual(expectedAnswer(version));
    }
    expect(expectedAnswer(1)).not.toEqual(expectedAnswer(2));
  });
});
