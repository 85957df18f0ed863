import { getPriority, setPriority } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { ListCache } from '@genswap/config';
import { importAppModule } from './app-module.js';
import { loadGeneration, type LoadOutcome } from './load-generation.js';
import type { LoadReply, LoadRequest, LoaderData } from './loader-protocol.js';

/**
 * The loader thread: runs loadGeneration (read, parse, validate, compile, encode) for the first
 * generation and every reload, so that the primary's event loop (which also serves HTTP in
 * `genswap serve`) only copies the finished bytes into a slot. A million-entry list costs this
 * thread ~250 ms, not the primary. It runs at a lower priority (loaderNice) and reads with
 * blocking calls: it has nothing else to do while a read is under way, and thread-pool round
 * trips cost more than the read.
 */
const data = workerData as LoaderData;
const port = parentPort!;
// On Linux nice is per thread and priority 0 names the calling thread, so this lowers only the
// loader's priority (on macOS and Windows the same call would reach the whole process). Raising
// a nice value needs no privilege; from an already nice process the sum is capped at 19.
if (process.platform === 'linux' && data.nice > 0) setPriority(0, Math.min(19, getPriority(0) + data.nice));
// The same resolver as the primary's; a module that cannot be imported fails each load with its code.
const app = importAppModule(data.moduleUrl).then(({ app }) => app);
app.catch(() => {}); // reported by each load, not as an unhandled rejection
// The thread's list cache: a list file whose bytes did not change since the last good load is
// not compiled again (see list-cache.ts in @genswap/config).
const loadOptions = { ...data.load, blockingRead: true, listCache: new ListCache() };

/**
 * A load that parsed a big list leaves its scratch tables (tens of MB, a million-entry list's
 * builder and sort buffers) for the collector, which in this mostly idle thread may not come for
 * a long time: that memory would stay resident. After such a load the thread collects at once
 * (a few ms, here, off every request's path). `gc` is fetched from a fresh context with the flag
 * set at run time, since a worker cannot be given --expose-gc.
 */
const COLLECT_AFTER_PARSE_MS = 20;
let collect: (() => void) | undefined;
function collectGarbage(): void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}

function reply(request: LoadRequest, outcome: LoadOutcome): void {
  if (!outcome.ok) return port.postMessage({ ...outcome, id: request.id } satisfies LoadReply);
  const { bytes } = outcome;
  if (!(bytes instanceof Uint8Array)) {
    // Parts: those in shared memory (a list file's cached table) cross without a copy; the rest
    // (the header and settings, kilobytes) are copied, never transferred, since a codec may hand
    // out a buffer it keeps.
    return port.postMessage({ ...outcome, id: request.id } satisfies LoadReply);
  }
  // Transferred, not copied, when the codec handed over a whole plain buffer.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  const sent = whole ? bytes : bytes.slice();
  port.postMessage({ ...outcome, bytes: sent, id: request.id } satisfies LoadReply, [sent.buffer as ArrayBuffer]);
}

port.on('message', (request: LoadRequest) => {
  void loadGeneration(request.configFile, app, loadOptions).then((outcome) => {
    reply(request, outcome);
    // After the reply: the publish does not wait for the collection.
    if (outcome.ok && outcome.timings.parseMs >= COLLECT_AFTER_PARSE_MS) collectGarbage();
  });
});
