import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { ListCache, loadConfig } from '@genswap/config';
import { type Codec, jsonCodec } from '@genswap/core';
import { appFromNamespace } from './app-module.js';
import type { LoadReply, LoadRequest, LoaderData } from './loader-protocol.js';

/**
 * The loader thread: reads, parses, validates, compiles and encodes the config for each reload,
 * so that the primary's event loop (which also serves HTTP in `genswap serve`) only copies the
 * finished bytes into a slot. A million-entry list costs this thread ~250 ms, not the primary.
 * It runs at a lower priority (loaderNice) and reads with blocking calls: it has nothing else
 * to do while a read is under way, and thread-pool round trips cost more than the read.
 */
const data = workerData as LoaderData;
const port = parentPort!;
// On Linux nice is per thread and priority 0 names the calling thread, so this lowers only the
// loader's priority (on macOS and Windows the same call would reach the whole process). Raising
// a nice value needs no privilege; from an already nice process the sum is capped at 19.
if (process.platform === 'linux' && data.nice > 0) setPriority(0, Math.min(19, getPriority(0) + data.nice));
const app = appFromNamespace((await import(data.moduleUrl)) as Record<string, unknown>);
if (app === undefined) throw new Error(`module ${data.moduleUrl} exports no AppModule (expected { definition: { schema } })`);
const codec = (app.codec ?? jsonCodec) as Codec<unknown>;
// The thread's list cache: a list file whose bytes did not change since the last good load is
// not compiled again (see list-cache.ts in @genswap/config).
const loadOptions = { ...data.load, blockingRead: true, listCache: new ListCache() };

async function load(id: number): Promise<LoadReply> {
  try {
    const loaded = await loadConfig(data.configFile, app!.definition, loadOptions);
    const t0 = performance.now();
    const encoded = codec.encode(loaded.value);
    const encodeMs = performance.now() - t0;
    // Transferred, not copied, when the codec handed over a whole plain buffer.
    const whole = encoded.byteOffset === 0 && encoded.byteLength === encoded.buffer.byteLength && encoded.buffer instanceof ArrayBuffer;
    const bytes = whole ? encoded : encoded.slice();
    return { id, ok: true, bytes, files: loaded.files, timings: { ...loaded.timings, encodeMs } };
  } catch (err) {
    const e = err as { problems?: unknown; code?: unknown; message?: unknown };
    return {
      id,
      ok: false,
      ...(Array.isArray(e?.problems) ? { problems: e.problems } : {}),
      code: typeof e?.code === 'string' ? e.code : 'GENSWAP_RELOAD_FAILED',
      message: err instanceof Error ? err.message : String(err),
    };
  }
}

port.on('message', (request: LoadRequest) => {
  void load(request.id).then((reply) => port.postMessage(reply, reply.ok ? [reply.bytes.buffer as ArrayBuffer] : []));
});
