import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/**
 * The Debian packages scenarios run against (wrk as the load generator, nginx and HAProxy as
 * anchors, etcd for fleets). The bench installs the missing ones itself before it runs a
 * scenario that needs them: `apt-get update` once, then one `apt-get install -y`. Where that
 * cannot work (no apt-get, not root, no network to Debian's mirrors) it says why and the
 * scenario reports the part it skipped, as it always did.
 */
export type DebianPackage = 'wrk' | 'nginx' | 'haproxy' | 'etcd-server';

/** The program each package provides, by the names and places Debian installs it. */
const PROGRAMS: Readonly<Record<DebianPackage, readonly string[]>> = {
  wrk: ['wrk'],
  nginx: ['nginx', '/usr/sbin/nginx'],
  haproxy: ['haproxy', '/usr/sbin/haproxy'],
  'etcd-server': ['etcd'],
};

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pkg`'s program is on PATH or at Debian's path for it. */
function installed(pkg: DebianPackage): boolean {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  return PROGRAMS[pkg].some((p) => (path.isAbsolute(p) ? executable(p) : dirs.some((d) => executable(path.join(d, p)))));
}

export interface InstallOutcome {
  /** Packages that were missing and are present now. */
  readonly installed: readonly DebianPackage[];
  /** Packages still missing, and why. */
  readonly missing: readonly DebianPackage[];
  readonly why?: string;
}

export interface InstallDeps {
  readonly present: (pkg: DebianPackage) => boolean;
  /** Runs a command; returns its failure text, or undefined when it exited 0. */
  readonly run: (command: string, args: readonly string[]) => string | undefined;
  readonly log: (line: string) => void;
}

function runCommand(command: string, args: readonly string[]): string | undefined {
  const r = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error !== undefined) return `${command}: ${r.error.message}`;
  if (r.status !== 0) return `${command} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`;
  return undefined;
}

const systemDeps: InstallDeps = { present: installed, run: runCommand, log: (line) => process.stdout.write(`${line}\n`) };

/** Installs whichever of `packages` are missing (nothing runs when none is). */
export function installMissing(packages: readonly DebianPackage[], deps: InstallDeps = systemDeps): InstallOutcome {
  const wanted = [...new Set(packages)].filter((p) => !deps.present(p));
  if (wanted.length === 0) return { installed: [], missing: [] };
  deps.log(`bench: installing ${wanted.join(' ')} from Debian (apt-get update, then apt-get install -y)`);
  const why = deps.run('apt-get', ['update', '-qq']) ?? deps.run('apt-get', ['install', '-y', '-qq', ...wanted]);
  const missing = wanted.filter((p) => !deps.present(p));
  const outcome = { installed: wanted.filter((p) => !missing.includes(p)), missing, ...(missing.length > 0 ? { why: why ?? 'apt-get succeeded but the programs are still missing' } : {}) };
  if (missing.length > 0) deps.log(`bench: could not install ${missing.join(' ')} (${outcome.why}); the scenarios that need them say what they skipped`);
  return outcome;
}
