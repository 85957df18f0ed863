/**
 * The README examples as a new user runs them: every package packed with `pnpm pack`, installed
 * with npm into a fresh directory outside the workspace, the examples' files written as the
 * READMEs show them, type-checked and compiled with tsc, then run with node. Covers the root
 * embedding example (with its greeter.yaml) and the core example with its dead-reader recovery.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, packAll } from './fixtures/pack/packed.js';

const TSC = path.join(REPO, 'node_modules/typescript/bin/tsc');
const dirs: string[] = [];
let tarballs: string[] = [];

beforeAll(() => {
  const packed = packAll();
  dirs.push(packed.dir);
  tarballs = [...packed.tarballs.values()];
}, 120_000);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The fenced blocks of `lang` in a README, in order. */
function blocks(readme: string, lang: string): string[] {
  return [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/** A block holding several files, each opened by a `// name.ts` (or `# name.yaml`) line. */
function files(block: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  for (const line of block.split('\n')) {
    const opened = /^(?:\/\/|#) ([\w.-]+\.(?:ts|yaml))\b/.exec(line);
    if (opened !== null) current = opened[1]!;
    else if (current !== undefined) out.set(current, `${out.get(current) ?? ''}${line}\n`);
  }
  return out;
}

/** A fresh npm project outside the workspace with every tarball (and zod 4, the peer) installed. */
function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'genswap-readme-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'readme-example', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs, 'zod@^4'], { cwd: dir, stdio: 'pipe', timeout: 180_000 });
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2023', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, types: ['node'], typeRoots: [path.join(REPO, 'node_modules/@types')] },
    }),
  );
  return dir;
}

function write(dir: string, contents: Map<string, string>): void {
  for (const [name, text] of contents) writeFileSync(path.join(dir, name), text);
}

function compileAndRun(dir: string, main: string): { status: number | null; stdout: string; stderr: string } {
  const tsc = spawnSync(process.execPath, [TSC, '-p', '.'], { cwd: dir, encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  return spawnSync(process.execPath, [main], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
}

describe('the README examples, from a packed install outside the workspace', () => {
  it('the root embedding example runs with its greeter.yaml, and its supervisor handles SIGHUP', () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Embedding it'), readme.indexOf('## Reload guarantees'));
    const dir = project();
    write(dir, files(blocks(section, 'yaml').join('')));
    write(dir, files(blocks(section, 'ts')[0]!));
    const run = compileAndRun(dir, 'main.js');
    expect(run).toMatchObject({ status: 0, stdout: 'Hello, Ada (generation 1)\ntrue 2\n' });

    // signals: true: a SIGHUP reloads instead of killing the process (exit 129).
    // The same main.js, kept open: it signals itself, and stops once the signal's reload is done.
    // An open supervisor does not hold the process up by itself (an embedding app's server
    // does), so the timer stands in for one until SIGTERM closes the supervisor and exits.
    const open = readFileSync(path.join(dir, 'main.js'), 'utf8').replace(/await supervisor\.close\(\);\s*$/, '');
    writeFileSync(path.join(dir, 'main-open.js'), `${open}
setInterval(() => {}, 60_000);
supervisor.on('reload', (r) => { console.log('reloaded', r.generation, r.triggers.join()); process.kill(process.pid, 'SIGTERM'); });
process.kill(process.pid, 'SIGHUP');
`);
    const hup = spawnSync(process.execPath, ['main-open.js'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(hup).toMatchObject({ status: 0, stdout: 'Hello, Ada (generation 1)\ntrue 2\nreloaded 3 signal\n' });
  }, 240_000);

  it('the core example runs, and a worker dying with a lease has its pins released', () => {
    const readme = readFileSync(path.join(REPO, 'packages/core/README.md'), 'utf8');
    const dir = project();
    write(dir, files(blocks(readme, 'ts')[0]!));
    const run = compileAndRun(dir, 'primary.js');
    expect(run.stderr).toBe('');
    expect(run).toMatchObject({ status: 0, stdout: '[ true ]\npins released: 1\n[ 0, 0, 0, 0 ]\n' });
  }, 240_000);
});
