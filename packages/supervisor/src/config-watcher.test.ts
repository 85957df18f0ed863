import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigWatcher } from './config-watcher.js';
import { silentLogger } from './logger.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup(debounceMs = 10) {
  const dir = mkdtempSync(join(tmpdir(), 'genswap-watch-'));
  const config = join(dir, 'config.yaml');
  const list = join(dir, 'list.txt');
  writeFileSync(config, 'a: 1\n');
  writeFileSync(list, 'x\n');
  const changes: string[][] = [];
  const waiters: (() => void)[] = [];
  const watcher = new ConfigWatcher({
    files: [config, list],
    debounceMs,
    logger: silentLogger,
    onChange: (changed) => {
      changes.push(changed);
      for (const w of waiters.splice(0)) w();
    },
  });
  cleanups.push(() => {
    watcher.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const nextChange = () => new Promise<void>((resolve) => waiters.push(resolve));
  return { dir, config, list, changes, watcher, nextChange };
}

describe('ConfigWatcher', () => {
  it('reports only the files that changed, not unrelated files in the same directory', async () => {
    const w = setup();
    writeFileSync(join(w.dir, 'unrelated.log'), 'noise');
    const next = w.nextChange();
    writeFileSync(w.list, 'y\n');
    await next;
    expect(w.changes).toEqual([[w.list]]);
  });

  it('sees a save by rename (editors, deploy tools) and coalesces a burst into one report', async () => {
    const w = setup(30);
    const next = w.nextChange();
    for (let i = 0; i < 10; i++) {
      writeFileSync(`${w.config}.tmp`, `a: ${i}\n`);
      renameSync(`${w.config}.tmp`, w.config);
    }
    await next;
    expect(w.changes).toEqual([[w.config]]);
  });

  it('sees a ConfigMap-style ..data symlink swap although the watched path never changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genswap-cm-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const version = (stamp: string, text: string) => {
      mkdirSync(join(dir, stamp));
      writeFileSync(join(dir, stamp, 'config.yaml'), text);
      symlinkSync(stamp, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    };
    version('..v1', 'a: 1\n');
    const config = join(dir, 'config.yaml');
    symlinkSync('..data/config.yaml', config);
    const changes: string[][] = [];
    let wake!: () => void;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    const watcher = new ConfigWatcher({ files: [config], debounceMs: 10, logger: silentLogger, onChange: (c) => (changes.push(c), wake()) });
    cleanups.push(() => watcher.close());
    version('..v2', 'a: 2\n');
    await changed;
    expect(changes).toEqual([[config]]);
  });

  it('follows a new file set after update()', async () => {
    const w = setup();
    const other = join(w.dir, 'other.txt');
    writeFileSync(other, '1');
    w.watcher.update([w.config, other]);
    const next = w.nextChange();
    writeFileSync(w.list, 'dropped\n'); // no longer watched
    writeFileSync(other, '2');
    await next;
    expect(w.changes).toEqual([[other]]);
  });
});
