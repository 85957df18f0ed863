import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { post, runCli } from './fixtures/serve/serve-process.js';
import { ask, cleanup, configDir, said, serveGateway } from './fixtures/hostile/gateway-serve.js';

/**
 * Regressions of issue 12 about list files: a reference to an unrelated file must not copy
 * its lines into reload answers, status and logs; one list named through many symlinks is
 * read once.
 */

afterEach(cleanup);

const PASSWD = ['root:x:0:0:root:/root:/bin/bash', 'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin', 'operator-secret:x:1000:1000::/home/op:/bin/sh'];

it('regression: denyFiles naming an unrelated file echoes none of its lines into the reload answer, status or logs', async () => {
  const serve = await serveGateway('rules: []\n', ['--admin', '127.0.0.1:0']);
  mkdirSync(join(serve.dir, 'etc'));
  writeFileSync(join(serve.dir, 'etc', 'passwd'), `${[...PASSWD, ...PASSWD, ...PASSWD].join('\n')}\n`);
  writeFileSync(join(serve.dir, 'gateway.yaml'), 'ip:\n  denyFiles: [../${DIR}/etc/passwd]\n'.replace('${DIR}', serve.dir.split('/').pop()!));
  const answer = await post(`${serve.admin!}/reload`);
  expect(answer.status).toBe(422);
  expect(answer.json.problems).toEqual([expect.objectContaining({ line: 2, code: 'GENSWAP_GATEWAY_CONFIG_BAD_CIDR' })]);
  const status = await runCli(['status', '--admin', serve.admin!, '--json']);
  for (const text of [JSON.stringify(answer.json), status.stdout, serve.lines.join('\n')]) {
    for (const secret of ['root:x', 'daemon', 'operator-secret', '/bin/bash']) expect(text).not.toContain(secret);
  }
  // The old generation keeps serving.
  expect(said(await ask(serve.url, '/', {}))).toBe('200 default');
});

it('regression: one list named through eight symlinks is read once', async () => {
  const dir = configDir({ 'deny.txt': '203.0.113.0/24\n' });
  const refs = Array.from({ length: 8 }, (_, i) => {
    symlinkSync(join(dir, 'deny.txt'), join(dir, `link-${i}.txt`));
    return `link-${i}.txt`;
  });
  writeFileSync(join(dir, 'gateway.yaml'), `ip:\n  denyFiles: [${refs.join(', ')}]\n`);
  const validated = await runCli(['validate', join(dir, 'gateway.yaml'), '--json']);
  expect(validated.code).toBe(0);
  expect(validated.stdout.match(/deny\.txt/g)?.length ?? 0).toBeLessThanOrEqual(1);
});
