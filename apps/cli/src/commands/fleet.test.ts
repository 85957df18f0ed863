import { CommanderError } from 'commander';
import { FleetError } from '@genswap/fleet';
import { describe, expect, it } from 'vitest';
import { EXIT_CONFLICT, EXIT_FAILURE, exitCodeFor } from '../exit-codes.js';
import { buildProgram } from '../program.js';

function run(args: string[]) {
  let out = '';
  let err = '';
  const program = buildProgram({ out: (t) => (out += t), err: (t) => (err += t) }).exitOverride();
  return program.parseAsync(['node', 'genswap', ...args]).then(
    () => ({ error: undefined as unknown, out, err }),
    (error: unknown) => ({ error, out, err }),
  );
}

describe('fleet commands', () => {
  for (const command of ['publish', 'status', 'rollback']) {
    it(`fleet ${command} --help shows its options and an example, and exits 0`, async () => {
      const { error, out } = await run(['fleet', command, '--help']);
      expect((error as CommanderError).exitCode).toBe(0);
      expect(out).toContain(`Usage: genswap fleet ${command}`);
      expect(out).toContain('--etcd <url>');
      expect(out).toContain(`$ genswap fleet ${command}`);
    });
  }

  it('--etcd and --prefix are required', async () => {
    const { error, err } = await run(['fleet', 'status', '--prefix', 'p']);
    expect(error).toBeInstanceOf(CommanderError);
    expect(err).toContain("required option '--etcd <url>' not specified");
  });

  it('a publish conflict exits 3, other fleet errors 1', () => {
    expect(exitCodeFor(new FleetError('GENSWAP_FLEET_CONFLICT', 'x'))).toBe(EXIT_CONFLICT);
    expect(exitCodeFor(new FleetError('GENSWAP_FLEET_CANARY_HALTED', 'x'))).toBe(EXIT_FAILURE);
  });
});
