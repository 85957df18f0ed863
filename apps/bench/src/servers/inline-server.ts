/**
 * The simplest alternative to `genswap serve`: one plain Node process that loads the config
 * (the same loadConfig and gateway definition genswap uses) and computes each verdict on its
 * HTTP thread (verdict-http.ts). A reload (POST /reload on the admin listener) loads the file
 * again and swaps the one reference the next request reads: one thread, so nothing can see
 * half of it.
 *
 * usage: node inline-server.js --config <file>
 * prints: `inline server: listening on <url> (pid N, generation 1, admin <url>)`
 */
import { loadConfig } from '@genswap/config';
import { createState, definition } from '@genswap/gateway/definition';
import { listenLoopback, type ReloadDone, startReloadAdmin } from './reload-admin.js';
import { createVerdictServer, type ServedConfig } from './verdict-http.js';

const args = process.argv.slice(2);
const configFile = args[args.indexOf('--config') + 1];
if (!args.includes('--config') || configFile === undefined) {
  process.stderr.write('usage: inline-server --config <file>\n');
  process.exit(2);
}

let served: ServedConfig = { config: (await loadConfig(configFile, definition)).value, generation: 1 };

// One reload at a time, as genswap serializes its own.
let chain: Promise<unknown> = Promise.resolve();
function reload(): Promise<ReloadDone> {
  const run = chain.then(async () => {
    const t0 = performance.now();
    const { value } = await loadConfig(configFile!, definition);
    served = { config: value, generation: served.generation + 1 };
    return { generation: served.generation, durationMs: performance.now() - t0 };
  });
  chain = run.catch(() => undefined);
  return run;
}

const front = createVerdictServer(() => served, createState());
const address = await listenLoopback(front);
const admin = await startReloadAdmin(reload, () => served.generation);
process.once('SIGTERM', () => {
  front.close();
  front.closeAllConnections();
  admin.close();
});
process.stdout.write(`inline server: listening on http://127.0.0.1:${address.port} (pid ${process.pid}, generation ${served.generation}, admin ${admin.url})\n`);
