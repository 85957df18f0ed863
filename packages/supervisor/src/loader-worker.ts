import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { ListCache, type ListCacheEntries } from '@genswap/config';
import { importAppModule } from './app-module.js';
import { COLLECT_AFTER_PARSE_MS, collectGarbage } from './collect-garbage.js';
import { loadGeneration, type LoadOutcome } from './load-generation.js';
import type { LoadReply, LoadRequest, LoaderData } from './loader-protocol.js';

/**
 * The loader thread: runs loadGeneration (read, parse, validate, compile, encode) for reloads
 * that read more than primaryLoadBytes (primary-first-loader.ts), so that the primary's event
 * loop only copies the finished bytes into a slot. A million-entry list costs this thread
 * ~150 ms, not the primary. It runs at a lower priority (loaderNice) and reads with blocking
 * calls: it has nothing else to do while a read is under way, and thread-pool round trips cost
 * more than the read. The primary starts it on the first such reload and stops it when it has
 * been idle a while (loader-thread.ts). Its list cache and the primary's are kept in step: it
 * takes over the primary's when a load request carries it, and sends its own back after each
 * load that changed it.
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
// A list file whose bytes did not change since the last good load is not compiled again (see
// list-cache.ts in @genswap/config).
const listCache = new ListCache(data.cache === undefined ? {} : { entries: data.cache });
const loadOptions = { ...data.load, blockingRead: true, listCache };
let sentVersion = listCache.version;

function reply(request: LoadRequest, outcome: LoadOutcome): void {
  if (!outcome.ok) return port.postMessage({ ...outcome, id: request.id } satisfies LoadReply);
  let cache: ListCacheEntries | undefined;
  if (listCache.version !== sentVersion) {
    sentVersion = listCache.version;
    cache = listCache.entries();
  }
  const { bytes } = outcome;
  if (!(bytes instanceof Uint8Array)) {
    // Parts: those in shared memory (a list file's cached table) cross without a copy; the rest
    // (the header and settings, kilobytes) are copied, never transferred, since a codec may hand
    // out a buffer it keeps.
    return post({ ...outcome, id: request.id }, cache, []);
  }
  // Transferred, not copied, when the codec handed over a whole plain buffer.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  const sent = whole ? bytes : bytes.slice();
  post({ ...outcome, bytes: sent, id: request.id }, cache, [sent.buffer as ArrayBuffer]);
}

/** A cache whose compiled values cannot be cloned stays here: the reply goes without it (a later thread compiles afresh). */
function post(message: LoadReply, cache: ListCacheEntries | undefined, transfer: ArrayBuffer[]): void {
  if (cache !== undefined) {
    try {
      port.postMessage({ ...message, cache } satisfies LoadReply, transfer);
      return;
    } catch {
      // DataCloneError: nothing was sent (and nothing transferred); send it without the cache
    }
  }
  port.postMessage(message, transfer);
}

port.on('message', (request: LoadRequest) => {
  if (request.cache !== undefined) {
    listCache.replace(request.cache);
    sentVersion = listCache.version; // what the primary holds already
  }
  void loadGeneration(request.configFile, app, loadOptions).then((outcome) => {
    reply(request, outcome);
    // After the reply: the publish does not wait for the collection.
    if (outcome.ok && outcome.timings.parseMs >= COLLECT_AFTER_PARSE_MS) collectGarbage();
  });
});
