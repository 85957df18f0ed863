import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../program.js';

function run(args: string[]) {
  let out = '';
  let err = '';
  const program = buildProgram({ out: (t) => (out += t), err: (t) => (err += t) }).exitOverride();
  return program
    .parseAsync(['node', 'genswap', ...args])
    .then(
      () => ({ error: undefined as unknown, out, err }),
      (error: unknown) => ({ error, out, err }),
    );
}

describe('serve, reload and status commands', () => {
  for (const command of ['serve', 'reload', 'status']) {
    it(`${command} --help shows its options and an example, and exits 0`, async () => {
      const { error, out } = await run([command, '--help']);
      expect(error).toBeInstanceOf(CommanderError);
      expect((error as CommanderError).exitCode).toBe(0);
      expect(out).toContain(`Usage: genswap ${command}`);
      expect(out).toContain('Example:');
      expect(out).toContain(`$ genswap ${command}`);
    });
  }

  it('usage mistakes are CommanderErrors (main exits 2) or UsageErrors', async () => {
    // --config or --source (fleet mode): exactly one; both exit 2.
    const noConfig = await run(['serve']);
    expect(noConfig.error).toMatchObject({ code: 'GENSWAP_USAGE', message: expect.stringContaining('exactly one of --config <file> or --source') });
    const sourceWithoutState = await run(['serve', '--source', 'etcd://127.0.0.1:2379/p']);
    expect(sourceWithoutState.error).toMatchObject({ code: 'GENSWAP_USAGE', message: expect.stringContaining('--state-dir') });
    const badThreads = await run(['serve', '--config', 'x.yaml', '--threads', 'many']);
    expect(badThreads.error).toBeInstanceOf(CommanderError);
    expect(badThreads.err).toContain('--threads must be an integer');
    const both = await run(['reload', '--pid-file', 'a.pid', '--admin', '127.0.0.1:1']);
    expect(both.error).toMatchObject({ code: 'GENSWAP_USAGE' });
    const neither = await run(['status']);
    expect(neither.error).toMatchObject({ code: 'GENSWAP_USAGE' });
    const twoAdmins = await run(['reload', '--admin', '127.0.0.1:1', '--admin-socket', 'a.sock']);
    expect(twoAdmins.error).toMatchObject({ code: 'GENSWAP_USAGE' });
    const serveBoth = await run(['serve', '--config', 'x.yaml', '--admin', '127.0.0.1:0', '--admin-socket', 'a.sock']);
    expect(serveBoth.error).toMatchObject({ code: 'GENSWAP_USAGE' });
    const tokenWithoutAdmin = await run(['serve', '--config', 'x.yaml', '--admin-token-env', 'PATH']);
    expect(tokenWithoutAdmin.error).toMatchObject({ code: 'GENSWAP_USAGE' });
  });
});
