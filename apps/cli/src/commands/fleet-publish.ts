import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { loadConfig } from '@genswap/config';
import { EtcdClient, FleetError, fleetStatus, isSafeRelativePath, type Manifest, pickCanaries, publishFiles, type PublishFile, updateRollout } from '@genswap/fleet';
import { importAppModule } from '@genswap/supervisor';
import type { Command } from 'commander';
import { genswapCommand } from '../command.js';
import { gatewayModule } from '../gateway-modules.js';
import type { CliIo } from '../io.js';
import { fleetOptions, type FleetOptions } from './fleet-options.js';
import { positiveInt } from './serve.js';
import { validateFile } from './validate.js';

const EXAMPLE = `
Example:
  $ genswap fleet publish --etcd http://127.0.0.1:2379 --prefix genswap config/gateway.yaml -m "deny 10.9/16"
  published revision 7 (sha256 3f2a9c01e4b7, 2 files, 15 chunks written, 0 reused, 14.6 MiB) under genswap
  $ genswap fleet publish --etcd http://127.0.0.1:2379 --prefix genswap config/gateway.yaml --canary 2

Validates the file first exactly as \`genswap validate\` does (same problems, exit 1, nothing
written). Then stores the config and every list file it names as content-addressed chunks
(below etcd's request limit, so a million-entry list is fine) and swaps in one small manifest
by compare-and-swap: a concurrent publisher gets GENSWAP_FLEET_CONFLICT (exit 3) and changes
nothing. List files must be named by relative paths inside the config's directory.
With --canary K, the K live instances with the lowest stable hash of their ids get it first;
publish waits (--timeout) until they serve it, then releases it to the rest. A canary that
refuses it halts the rollout (exit 1): the others keep their revision, \`fleet status\` says so.
`;

interface PublishOptions extends FleetOptions {
  readonly schema?: string;
  readonly message?: string;
  readonly canary?: number;
  readonly timeout: number;
  readonly json?: boolean;
}

/** The files of a valid config, as paths relative to its directory (the layout every instance rebuilds). */
function filesOf(configFile: string, files: readonly string[]): PublishFile[] {
  const root = dirname(configFile);
  return [...new Set(files)].map((file) => {
    const path = relative(root, file).split(sep).join('/');
    if (!isSafeRelativePath(path)) throw new FleetError('GENSWAP_FLEET_LAYOUT', `${file} is outside ${root}, the config's directory`);
    return { path, bytes: readFileSync(file) };
  });
}

/**
 * Loads the files as an instance will: from a fresh directory with the published layout. A list
 * named by an absolute path would still be read from this machine there, and a file changed
 * since validation would differ: both are refused before anything is written.
 */
async function checkLayout(files: readonly PublishFile[], schema: string | undefined): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'genswap-publish-'));
  try {
    for (const f of files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.bytes);
    }
    const { app } = await importAppModule(schema ?? gatewayModule('definition'), '--schema module');
    const loaded = await loadConfig(join(dir, files[0]!.path), app.definition).catch((err: unknown) => {
      throw new FleetError('GENSWAP_FLEET_LAYOUT', `the config does not load from its published layout (was a file changed during publish?): ${(err as Error).message}`, { cause: err });
    });
    const outside = loaded.files.find((f) => relative(dir, f).startsWith('..'));
    if (outside !== undefined) throw new FleetError('GENSWAP_FLEET_LAYOUT', `the config names ${outside} by an absolute path; instances would read their own copy of it`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits until every canary serves `revision` (then releases it) or one refuses it (then halts). */
async function stageRollout(etcd: EtcdClient, prefix: string, manifest: Manifest, timeoutMs: number, io: CliIo): Promise<void> {
  const canaries = manifest.rollout!.canaries;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const status = await fleetStatus(etcd, prefix);
    const mine = status.instances.filter((i) => canaries.includes(i.id));
    const refused = mine.find((i) => i.state === 'REFUSED');
    if (refused !== undefined) {
      await updateRollout(etcd, prefix, manifest.revision, { ...manifest.rollout!, halted: { instance: refused.id, at: new Date().toISOString() } });
      throw new FleetError('GENSWAP_FLEET_CANARY_HALTED', `canary ${refused.id} refused revision ${manifest.revision}: ${refused.problems?.map((p) => p.message).join('; ')}; the rollout is halted`);
    }
    if (mine.length === canaries.length && mine.every((i) => i.state === 'SYNCED')) break;
    if (performance.now() > deadline) throw new FleetError('GENSWAP_FLEET_TIMEOUT', `canaries ${canaries.join(', ')} did not all serve revision ${manifest.revision} within ${timeoutMs} ms; the rollout stays held`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await updateRollout(etcd, prefix, manifest.revision, { ...manifest.rollout!, released: true });
  io.err(`canaries ${canaries.join(', ')} serve revision ${manifest.revision}: released to the rest\n`);
}

async function publish(file: string, opts: PublishOptions, io: CliIo): Promise<void> {
  const loaded = await validateFile(file, opts, io);
  if (loaded === undefined) return; // problems reported, exit 1, nothing written
  const files = filesOf(loaded.file, loaded.files);
  await checkLayout(files, opts.schema);
  const etcd = new EtcdClient(opts.etcd);
  let canaries: string[] | undefined;
  if (opts.canary !== undefined && opts.canary > 0) {
    const live = (await fleetStatus(etcd, opts.prefix)).instances.filter((i) => i.state !== 'GONE').map((i) => i.id);
    canaries = pickCanaries(live, opts.canary);
  }
  const beforeManifest = process.env.GENSWAP_FLEET_TEST_PAUSE_BEFORE_MANIFEST === '1'
    ? async () => {
        // Test hook: the chunks are in etcd, the manifest is not; the test kills this process now.
        io.err('chunks written\n');
        await new Promise(() => {});
      }
    : undefined;
  const result = await publishFiles(etcd, {
    prefix: opts.prefix,
    files,
    ...(opts.message !== undefined ? { message: opts.message } : {}),
    ...(canaries !== undefined ? { canaries } : {}),
    ...(beforeManifest !== undefined ? { beforeManifest } : {}),
  });
  const { manifest, chunks } = result;
  if (opts.json) {
    io.out(`${JSON.stringify({ ok: true, revision: manifest.revision, sha256: manifest.sha256, files: manifest.files.length, chunks, canaries: canaries ?? [] })}\n`);
  } else {
    const mib = (chunks.bytesWritten / 1048576).toFixed(1);
    io.out(`published revision ${manifest.revision} (sha256 ${manifest.sha256.slice(0, 12)}, ${manifest.files.length} files, ${chunks.written} chunks written, ${chunks.reused} reused, ${mib} MiB) under ${opts.prefix}\n`);
  }
  if (canaries !== undefined) await stageRollout(etcd, opts.prefix, manifest, opts.timeout, io);
}

export function fleetPublishCommand(io: CliIo): Command {
  return fleetOptions(genswapCommand('publish', io))
    .description('Validate a config and publish it (with its list files) to every instance following the etcd prefix.')
    .argument('<file>', 'the config file (YAML)')
    .option('--schema <module>', 'compiled app module, as serve --schema takes (default: the gateway\'s)')
    .option('-m, --message <text>', 'why, kept in the manifest')
    .option('--canary <k>', 'staged rollout: K instances first, the rest after they serve it', positiveInt('--canary', 10_000))
    .option('--timeout <ms>', 'with --canary: how long to wait for the canaries', positiveInt('--timeout', 2 ** 31 - 1), 60_000)
    .option('--json', 'print the outcome as JSON')
    .addHelpText('after', EXAMPLE)
    .action((file: string, opts: PublishOptions) => publish(file, opts, io));
}
