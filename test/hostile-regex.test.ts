import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runCli } from './fixtures/serve/serve-process.js';
import { ask, cleanup, configDir, said, serveGateway } from './fixtures/hostile/gateway-serve.js';

/**
 * Regression: config regexes that stalled a worker for good (issue 12) now run on the
 * linear-time engine. Each shape gets hostile input over real HTTP; every request is answered,
 * and a healthy request sent after two hostile ones is answered too (with the backtracking
 * engine, two such requests took both workers and every later request timed out). The step
 * bound itself is asserted in apps/gateway/src/rules/linear-regex.test.ts by counting reads.
 */

afterEach(cleanup);

const SHAPES = `
rules:
  - { name: ua-word-or-digit, match: { userAgent: "^(\\\\w|\\\\d)+$" }, action: deny }
  - { name: ua-counted-plus, match: { userAgent: "^(a+){2,64}$" }, action: deny }
  - { name: ua-dot-stars, match: { userAgent: "^.*a.*a.*a.*b$" }, action: deny }
  - { name: path-repeated-segments, match: { pathRegex: "^(/.*){1,10}/\\\\.(env|git)" }, action: deny }
  - { name: path-overlapping-class, match: { pathRegex: "^([a-z0-9-]|[a-z])+\\\\.php$" }, action: deny }
`;

it('regression: the five stalling regex shapes answer hostile requests, and the service stays responsive', async () => {
  const serve = await serveGateway(SHAPES);
  const hostile: [string, Record<string, string>][] = [
    ['/', { 'user-agent': `${'1'.repeat(40)}!` }],
    ['/', { 'user-agent': `${'1'.repeat(8000)}!` }],
    ['/', { 'user-agent': `${'a'.repeat(8000)}!` }],
    ['/', { 'user-agent': `${'a'.repeat(8000)}.` }],
    [`${'/'.repeat(62)}x`, {}],
    [`/${'a/'.repeat(3000)}`, {}],
    [`/${'a'.repeat(8000)}.ph`, {}],
  ];
  // Two at once first (one per worker thread), then the rest, then a healthy one.
  const first = await Promise.all(hostile.slice(0, 2).map(([target, headers]) => ask(serve.url, target, headers)));
  const rest = await Promise.all(hostile.slice(2).map(([target, headers]) => ask(serve.url, target, headers)));
  for (const answer of [...first, ...rest]) expect(answer.verdict).toBe('allow');
  expect(said(await ask(serve.url, '/', { 'user-agent': 'Mozilla/5.0' }))).toBe('200 default');
  // The rules still match what they should.
  expect(said(await ask(serve.url, '/', { 'user-agent': '1234abc' }))).toBe('403 ua-word-or-digit');
  expect(said(await ask(serve.url, '/', { 'user-agent': 'aaaa' }))).toBe('403 ua-word-or-digit');
  expect(said(await ask(serve.url, '/', { 'user-agent': 'x a a a b' }))).toBe('403 ua-dot-stars');
  expect(said(await ask(serve.url, '/a/b/.git', {}))).toBe('403 path-repeated-segments');
});

it('regression: patterns no linear engine runs are refused at validate time with file:line:col', async () => {
  const dir = configDir({
    'gateway.yaml': 'rules:\n  - action: deny\n    match: { userAgent: "(a+)\\\\1" }\n  - action: deny\n    match: { pathRegex: "^/(?!public)" }\n',
  });
  const file = join(dir, 'gateway.yaml');
  const result = await runCli(['validate', file]);
  expect(result.code).toBe(1);
  const out = result.stdout + result.stderr;
  expect(out).toContain(`${file}:3:25`);
  expect(out).toContain(`${file}:5:25`);
  expect(out).toMatch(/backreference/);
  expect(out).toMatch(/lookahead/);
  expect(out).toContain('GENSWAP_GATEWAY_CONFIG_BAD_REGEX');
});
