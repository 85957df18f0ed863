import { once } from 'node:events';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createSupervisor, type ReloadRecord, type Supervisor } from '@genswap/supervisor';
import { definition } from './fixtures/serve/app.mjs';
import { ConfigDir, type EchoBody, httpTask } from './fixtures/serve/config-dir.js';
import { WORKER } from './fixtures/serve/serve-process.js';

let dir: ConfigDir | undefined;
let supervisor: Supervisor | undefined;

afterEach(async () => {
  await supervisor?.close({ drainTimeoutMs: 0 });
  dir?.cleanup();
});

const app = { definition, createState: () => ({ hits: new Int32Array(new SharedArrayBuffer(4)) }) };

async function version(sup: Supervisor): Promise<number> {
  const { result } = await sup.run<{ body: string }>(httpTask('/'));
  return (JSON.parse(result.body) as EchoBody).version;
}

function nextReload(sup: Supervisor): Promise<ReloadRecord> {
  return once(sup, 'reload').then(([record]) => record as ReloadRecord);
}

/**
 * The layout kubelet gives a ConfigMap volume: the visible files are symlinks through `..data`,
 * itself a symlink to a timestamped directory; an update writes a new directory and renames a
 * new `..data` symlink over the old one. The visible path never changes.
 */
it('reloads on a Kubernetes ConfigMap-style symlink swap', async () => {
  dir = new ConfigDir();
  const volume = dir.dir;
  const publish = (stamp: string, n: number): void => {
    mkdirSync(join(volume, stamp));
    writeFileSync(join(volume, stamp, 'config.yaml'), `version: ${n}\nlabel: v${n}\nwords: words.txt\n`);
    writeFileSync(join(volume, stamp, 'words.txt'), `alpha-${n}\n`);
    symlinkSync(stamp, join(volume, '..data_tmp'));
    renameSync(join(volume, '..data_tmp'), join(volume, '..data'));
  };
  publish('..2024_01', 1);
  symlinkSync('..data/config.yaml', join(volume, 'config.yaml'));
  symlinkSync('..data/words.txt', join(volume, 'words.txt'));
  supervisor = (await createSupervisor({ configFile: join(volume, 'config.yaml'), app, worker: WORKER, threads: 1, watch: { debounceMs: 20 } })) as Supervisor;
  expect(await version(supervisor)).toBe(1);

  const reloaded = nextReload(supervisor);
  publish('..2024_02', 2);
  expect(await reloaded).toMatchObject({ ok: true, generation: 2, triggers: ['watch'] });
  expect(await version(supervisor)).toBe(2);
});

it('reloads when a list file changes, and a burst of edits costs few reloads', async () => {
  dir = new ConfigDir();
  dir.write(1);
  supervisor = (await createSupervisor({ configFile: dir.file, app, worker: WORKER, threads: 1, watch: { debounceMs: 50 } })) as Supervisor;
  const sup = supervisor;

  let reloaded = nextReload(sup);
  dir.writeAtomic('words-1.txt', 'gamma-1\n');
  expect(await reloaded).toMatchObject({ ok: true, generation: 2 });
  const { result } = await sup.run<{ body: string }>(httpTask('/'));
  expect((JSON.parse(result.body) as EchoBody).words).toEqual(['gamma-1']);

  // Twenty saves in a row, then one more version: the last one wins.
  reloaded = nextReload(sup);
  for (let n = 2; n <= 21; n++) dir.write(n);
  await reloaded;
  while (sup.status().reloads.inProgress || sup.status().reloads.queued || (await version(sup)) !== 21) await nextReload(sup);
  expect(sup.status().counters.reloadRequests).toBeLessThan(10);
  expect(sup.status().counters.reloadsFailed).toBe(0);
});

it('does not reload for unrelated files in the watched directory', async () => {
  dir = new ConfigDir();
  dir.write(1);
  supervisor = (await createSupervisor({ configFile: dir.file, app, worker: WORKER, threads: 1, watch: { debounceMs: 10 } })) as Supervisor;
  const sup = supervisor;
  for (let i = 0; i < 5; i++) writeFileSync(join(dir.dir, `unrelated-${i}.log`), 'x');
  // A real change afterwards is the first reload: the unrelated writes caused none.
  const reloaded = nextReload(sup);
  dir.write(2);
  expect(await reloaded).toMatchObject({ id: 1, ok: true });
  expect(sup.status().counters.reloadRequests).toBe(1);
});
