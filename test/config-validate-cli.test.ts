import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** `genswap validate` as a real process: exit status, stdout and stderr. */
const repo = fileURLToPath(new URL('..', import.meta.url));
const main = path.join(repo, 'apps/cli/dist/main.js');
const fixtures = path.join(repo, 'test/fixtures/config');
const schema = path.join(fixtures, 'schema.mjs');

function genswap(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [main, ...args], { cwd: repo, encoding: 'utf8', timeout: 20_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('genswap validate', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'genswap-validate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 with a one-line summary for a valid file', () => {
    const run = genswap('validate', 'test/fixtures/config/good/gateway.yaml', '--schema', schema);
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(/^ok: test\/fixtures\/config\/good\/gateway\.yaml is valid \(480 bytes, 3 list entries, in \d+\.\d ms\)\n$/);
  });

  it('exits 1 with one file:line:col: path: message [code] line per problem on stderr', () => {
    const file = path.join(fixtures, 'bad/unknown-key-in-rule.yaml');
    const run = genswap('validate', file, '--schema', schema);
    expect(run).toMatchObject({ status: 1, stdout: '' });
    expect(run.stderr.split('\n')).toEqual([
      `${file}:4:5: rules[0].action: missing required key "action" [GENSWAP_CONFIG_MISSING_KEY]`,
      `${file}:7:5: rules[0].acton: unknown key "acton" (did you mean "action"?) [GENSWAP_CONFIG_UNKNOWN_KEY]`,
      '',
    ]);
  });

  it('locates problems in list files too', () => {
    const run = genswap('validate', path.join(fixtures, 'bad/list-bad-line.yaml'), '--schema', schema);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `${path.join(fixtures, 'bad/lists/bad-line.txt')}:4:1: "10.0.0.256" is not an IPv4 address: octet above 255 [GENSWAP_CONFIG_LIST_ENTRY]\n` +
        `${path.join(fixtures, 'bad/lists/bad-line.txt')}:6:1: "192.168.1.1/40": prefix length must be 0 to 32 [GENSWAP_CONFIG_LIST_ENTRY]\n`,
    );
  });

  it('prints { ok, file, problems } on stdout with --json, for bad and good files', () => {
    const file = path.join(fixtures, 'bad/duplicate-key-top.yaml');
    const bad = genswap('validate', file, '--schema', schema, '--json');
    expect(bad).toMatchObject({ status: 1, stderr: '' });
    expect(JSON.parse(bad.stdout)).toEqual({
      ok: false,
      file,
      problems: [{ file, line: 4, column: 1, path: 'mode', message: 'duplicate key "mode" (first at line 3, column 1)', code: 'GENSWAP_CONFIG_DUPLICATE_KEY' }],
    });
    const good = genswap('validate', path.join(fixtures, 'good/minimal.yaml'), '--schema', schema, '--json');
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, file: path.join(fixtures, 'good/minimal.yaml'), problems: [], bytes: 19, listEntries: 0 });
  });

  it('treats a missing file as an invalid config (exit 1, GENSWAP_CONFIG_NOT_FOUND), not a usage error', () => {
    const run = genswap('validate', path.join(dir, 'nope.yaml'), '--schema', schema);
    expect(run).toMatchObject({ status: 1, stdout: '', stderr: `${path.join(dir, 'nope.yaml')}:0:0: cannot read config: file not found [GENSWAP_CONFIG_NOT_FOUND]\n` });
  });

  it.each([
    ['no file', [], /missing required argument 'file'/],
    ['two files', ['a.yaml', 'b.yaml'], /too many arguments/],
    ['an unknown option', ['a.yaml', '--strict'], /unknown option '--strict'/],
    ['--schema without a value', ['a.yaml', '--schema'], /option '--schema <module>' argument missing/],
  ])('exits 2 for a usage error: %s', (_what, args, message) => {
    const run = genswap('validate', ...args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });

  it('exits 1 naming GENSWAP_SUPERVISOR_MODULE when --schema cannot be loaded (the resolver serve uses)', () => {
    const run = genswap('validate', 'test/fixtures/config/good/minimal.yaml', '--schema', path.join(dir, 'no-schema.mjs'));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^genswap: --schema module .*no-schema\.mjs cannot be loaded: .*\[GENSWAP_SUPERVISOR_MODULE\]\n {2}fix: /);
  });

  it('with --json, reports a --schema module that cannot be loaded on stdout as JSON', () => {
    const run = genswap('validate', 'test/fixtures/config/good/minimal.yaml', '--schema', path.join(dir, 'no-schema.mjs'), '--json');
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as { ok: boolean; problems: Array<{ file: string; code: string; fix: string }> };
    expect(report).toMatchObject({ ok: false, problems: [{ file: path.join(dir, 'no-schema.mjs'), line: 0, code: 'GENSWAP_SUPERVISOR_MODULE', fix: expect.any(String) }] });
  });

  it('accepts the README\'s app module (an `app` export), as serve --schema does', () => {
    writeFileSync(
      path.join(dir, 'app.mjs'),
      `import { z } from ${JSON.stringify(path.join(fixtures, 'zod.mjs'))};\nconst schema = z.strictObject({ greeting: z.string(), shout: z.boolean().default(false) });\nexport const app = { definition: { schema } };\n`,
    );
    writeFileSync(path.join(dir, 'greeter.yaml'), 'greeting: Hello\n');
    const run = genswap('validate', path.join(dir, 'greeter.yaml'), '--schema', path.join(dir, 'app.mjs'));
    expect(run).toMatchObject({ status: 0, stdout: expect.stringMatching(/^ok: .*greeter\.yaml is valid/) });
  });

  it('names zod 4 for a zod 3 schema', () => {
    writeFileSync(path.join(dir, 'zod3.mjs'), `import { z } from ${JSON.stringify(path.join(fixtures, 'zod3.mjs'))};\nexport default z.object({ port: z.number() });\n`);
    const run = genswap('validate', 'test/fixtures/config/good/minimal.yaml', '--schema', path.join(dir, 'zod3.mjs'));
    expect(run).toMatchObject({ status: 1, stderr: expect.stringMatching(/zod 3 schema; genswap needs a zod 4 schema.*\[GENSWAP_CONFIG_ZOD_VERSION\]/) });
  });

  it('accepts a module exporting a bare zod schema as default', () => {
    writeFileSync(path.join(dir, 'bare.mjs'), `import { z } from ${JSON.stringify(path.join(fixtures, 'zod.mjs'))};\nexport default z.object({ port: z.number() });\n`);
    writeFileSync(path.join(dir, 'bare.yaml'), 'port: 80\nprot: 81\n');
    const run = genswap('validate', path.join(dir, 'bare.yaml'), '--schema', path.join(dir, 'bare.mjs'));
    expect(run).toMatchObject({ status: 1, stderr: `${path.join(dir, 'bare.yaml')}:2:1: prot: unknown key "prot" (did you mean "port"?) [GENSWAP_CONFIG_UNKNOWN_KEY]\n` });
  });

  it("uses the gateway's schema by default", () => {
    writeFileSync(path.join(dir, 'gateway-ok.yaml'), 'ip:\n  deny: [203.0.113.0/24]\n');
    expect(genswap('validate', path.join(dir, 'gateway-ok.yaml'))).toMatchObject({ status: 0, stderr: '' });
    writeFileSync(path.join(dir, 'gateway-typo.yaml'), 'ip:\n  denyFile: []\n');
    const typo = genswap('validate', path.join(dir, 'gateway-typo.yaml'));
    expect(typo.status).toBe(1);
    expect(typo.stderr).toMatch(/gateway-typo\.yaml:2:3: ip\.denyFile: unknown key "denyFile" \(did you mean "denyFiles"\?\) \[GENSWAP_CONFIG_UNKNOWN_KEY\]\n$/);
  });

  it('shows an example in --help and exits 0', () => {
    const run = genswap('validate', '--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: genswap validate [options] <file>');
    expect(run.stdout).toContain('Example:\n  $ genswap validate config/gateway.yaml');
  });
});
