/**
 * The file piscina's workers load; it loads the embedder's worker module (workerData.workerModule)
 * with import().
 *
 * Why not hand piscina the worker module itself: piscina loads its file with require() before it
 * tries import(), and Node >= 20.19 require()s an ES module synchronously. A worker terminated
 * while it is linking one (close() while a worker is still starting) aborts the whole process on
 * a Node assertion (module_wrap.cc, seen on Node 20.20 in this project's suite). This file is
 * CommonJS, so that require() links no ES module, and a terminate ends an import() cleanly.
 *
 * piscina takes the `default` of what it loaded and awaits it: here, the promise of the worker
 * module's default export. If the import fails, piscina's own import() of this file gets the same
 * rejected promise, so the worker module's error is the one reported.
 */
import threads = require('node:worker_threads');

const data = threads.workerData as { readonly workerModule?: unknown } | null | undefined;
const url = data?.workerModule;
export = typeof url === 'string'
  ? import(url).then((m: { readonly default?: unknown }) => m.default)
  : Promise.reject(new Error('genswap: piscina-entry needs workerData.workerModule, the URL of the worker module'));
