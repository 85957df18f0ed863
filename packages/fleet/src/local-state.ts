import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Manifest } from './manifest.js';

/**
 * An instance's state directory, the local side of fleet mode:
 *
 *   <state>/revisions/<rev>/...     a revision's files, laid out as published, plus .genswap-manifest.json
 *   <state>/current -> revisions/<rev>   the last revision this instance *accepted* (served)
 *
 * A revision is written to a temporary directory, every file and directory fsynced, then renamed
 * into place, so a crash leaves either nothing or a whole revision. `current` is swapped by
 * renaming a new symlink over it, and only after the supervisor accepted that revision: booting
 * from it while etcd is down serves the last good config, never a refused one.
 */
export interface LocalRevision {
  readonly manifest: Manifest;
  readonly dir: string;
  readonly configFile: string;
}

/** Beside a revision's files; no published file may have this name (parseManifest refuses it). */
export const MANIFEST_FILE = '.genswap-manifest.json';

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeDurable(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'w', 0o644);
  try {
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class LocalState {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(join(dir, 'revisions'), { recursive: true });
  }

  revisionDir(revision: number): string {
    return join(this.dir, 'revisions', String(revision));
  }

  /** Writes a revision's files durably and returns where its config file is. */
  materialize(manifest: Manifest, files: ReadonlyMap<string, Uint8Array>): LocalRevision {
    const final = this.revisionDir(manifest.revision);
    const tmp = join(this.dir, 'revisions', `.tmp-${manifest.revision}-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    const dirs = new Set<string>([tmp]);
    for (const file of manifest.files) {
      const path = join(tmp, file.path);
      mkdirSync(dirname(path), { recursive: true });
      dirs.add(dirname(path));
      writeDurable(path, files.get(file.path)!);
    }
    writeDurable(join(tmp, MANIFEST_FILE), Buffer.from(JSON.stringify(manifest)));
    for (const d of dirs) fsyncPath(d);
    // A directory left by an earlier attempt at this revision goes first (rename cannot replace a non-empty one).
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
    fsyncPath(join(this.dir, 'revisions'));
    return { manifest, dir: final, configFile: join(final, manifest.config) };
  }

  /** Points `current` at an accepted revision (atomic: a new symlink renamed over the old). */
  markCurrent(revision: number): void {
    const link = join(this.dir, 'current');
    const tmp = `${link}.tmp-${process.pid}`;
    rmSync(tmp, { force: true });
    symlinkSync(join('revisions', String(revision)), tmp);
    renameSync(tmp, link);
    fsyncPath(this.dir);
  }

  /** The last accepted revision, or undefined when there is none (or it is unreadable). */
  current(): LocalRevision | undefined {
    try {
      const target = readlinkSync(join(this.dir, 'current'));
      const dir = join(this.dir, target);
      const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
      return { manifest, dir, configFile: join(dir, manifest.config) };
    } catch {
      return undefined;
    }
  }

  /** The bytes of a revision's files (for chunkIndex); unreadable ones are left out. */
  filesOf(revision: LocalRevision): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const file of revision.manifest.files) {
      try {
        out.push(readFileSync(join(revision.dir, file.path)));
      } catch {
        // fetched from etcd instead
      }
    }
    return out;
  }

  /** Removes every revision directory but those in `keep` (and leftovers of interrupted writes). */
  prune(keep: ReadonlySet<number>): void {
    for (const name of readdirSync(join(this.dir, 'revisions'))) {
      if (keep.has(Number(name))) continue;
      rmSync(join(this.dir, 'revisions', name), { recursive: true, force: true });
    }
  }
}
