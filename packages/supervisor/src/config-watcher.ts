import { type FSWatcher, realpathSync, statSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import type { SupervisorLogger } from './logger.js';

export interface ConfigWatcherOptions {
  /** The files the current config was read from. */
  readonly files: readonly string[];
  /** Quiet time after the last event before files are compared. */
  readonly debounceMs: number;
  /** Called with the files whose identity or contents changed. */
  readonly onChange: (changed: string[]) => void;
  readonly logger: SupervisorLogger;
}

/** Identity and version of a file, following symlinks; 'missing' when it cannot be stat'ed. */
function fingerprint(file: string): string {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return 'missing';
  }
}

/**
 * Watches the *directories* holding the config and its list files, not the files: editors
 * save by renaming a new file over the old one, and Kubernetes updates a ConfigMap volume by
 * swapping a `..data` symlink, so the watched path never changes while what it resolves to
 * does. Any event in a watched directory starts a debounce; when it ends, each file is
 * stat'ed through its symlinks and compared with the last fingerprint (device, inode, size,
 * mtime, ctime), and only a real difference reports a change. The directory of each file's
 * resolved path is watched too, for a symlink pointing into another directory.
 */
export class ConfigWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly prints = new Map<string, string>();
  private readonly options: ConfigWatcherOptions;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: ConfigWatcherOptions) {
    this.options = options;
    this.update(options.files);
  }

  /** Follows a new set of files (a reload may add or drop list files). */
  update(files: readonly string[]): void {
    if (this.closed) return;
    for (const file of [...this.prints.keys()]) if (!files.includes(file)) this.prints.delete(file);
    for (const file of files) if (!this.prints.has(file)) this.prints.set(file, fingerprint(file));
    const dirs = new Set<string>();
    for (const file of files) {
      dirs.add(dirname(file));
      try {
        dirs.add(dirname(realpathSync(file)));
      } catch {
        // missing right now: its directory is watched, it is picked up when it appears
      }
    }
    for (const [dir, watcher] of this.watchers) {
      if (!dirs.has(dir)) {
        watcher.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of dirs) if (!this.watchers.has(dir)) this.watchDir(dir);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private watchDir(dir: string): void {
    try {
      const watcher = watch(dir, { persistent: false }, () => this.schedule());
      watcher.on('error', (err) => {
        this.options.logger.warn({ err, dir }, 'config directory watch failed');
        watcher.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, watcher);
    } catch (err) {
      this.options.logger.warn({ err, dir }, 'config directory watch failed');
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.compare(), this.options.debounceMs);
    this.timer.unref();
  }

  private compare(): void {
    this.timer = undefined;
    if (this.closed) return;
    const changed: string[] = [];
    for (const [file, before] of this.prints) {
      const now = fingerprint(file);
      if (now !== before) {
        this.prints.set(file, now);
        changed.push(file);
      }
    }
    if (changed.length > 0) this.options.onChange(changed);
  }
}
