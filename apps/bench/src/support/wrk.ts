import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * wrk (https://github.com/wg/wrk; Debian package `wrk`) as the load generator: a C client on one
 * thread that leaves a 2-core machine's other core to the server, where autocannon (in the bench
 * process, see http-load.ts) takes about as much CPU as the server it loads. Its figures come
 * from a Lua `done` callback (one JSON line, no parsing of wrk's human output).
 *
 * wrk does not look at answers. With `check`, a Lua `response` callback (which makes wrk parse
 * every response's headers, so it costs the client some speed) counts answers by generation,
 * status and rule, and notes per generation the first and last time (CLOCK_MONOTONIC, the
 * clock reload-driver.ts shares between processes) one of its answers arrived.
 */
export interface WrkOptions {
  readonly url: string;
  readonly connections: number;
  /** wrk takes whole seconds. */
  readonly durationS: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly check: boolean;
  /** Where the Lua script is written. */
  readonly dir: string;
}

export interface WrkAnswers {
  /** `<generation> <status> <rule>` -> count; generation -1 when the header was missing. */
  readonly counts: ReadonlyMap<string, number>;
  /** generation -> [first, last] arrival, CLOCK_MONOTONIC ms. */
  readonly seen: ReadonlyMap<number, readonly [number, number]>;
  /** Answers of a generation older than one an earlier answer came from. */
  readonly stale: number;
}

export interface WrkResult {
  readonly requests: number;
  readonly durationMs: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Connect, read, write errors and timeouts (wrk's `status` errors, non-2xx/3xx, are not errors here). */
  readonly errors: number;
  readonly non2xx: number;
  readonly answers?: WrkAnswers;
}

/** The wrk binary on PATH, or undefined. */
export function findWrk(): string | undefined {
  // `wrk -v` prints its version and exits 1: found is "it ran", not "it exited 0".
  const run = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  return run.error === undefined && /^wrk /m.test(run.stdout) ? 'wrk' : undefined;
}

/** wrk's version line, e.g. `wrk debian/4.1.0-3+b2 [epoll]`. */
export function wrkVersion(): string {
  return /^(wrk \S+(?: \[\w+\])?)/m.exec(spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout)?.[1] ?? 'wrk';
}

const MARK = 'GENSWAP_WRK ';

const CHECK_LUA = `
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } genswap_timespec;
int clock_gettime(int clk_id, genswap_timespec *tp);
]]
local ts = ffi.new("genswap_timespec")
counts, first, last, stale = {}, {}, {}, 0
local newest = -1
function response(status, headers, body)
  local g = tonumber(headers["x-genswap-generation"]) or -1
  local key = g .. " " .. status .. " " .. string.gsub(headers["x-genswap-rule"] or "", "[^%w%-%._:]", "?")
  counts[key] = (counts[key] or 0) + 1
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  local t = tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  if first[g] == nil then first[g] = t end
  last[g] = t
  if g > newest then newest = g elseif g < newest then stale = stale + 1 end
end
`;

const DONE_LUA = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local e = summary.errors
  local out = { string.format('{"requests":%d,"durationUs":%d,"p50Us":%.1f,"p99Us":%.1f,"maxUs":%.1f,"errors":%d,"non2xx":%d',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status) }
  local counts, seen, stale = {}, {}, 0
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    if c ~= nil then
      for k, v in pairs(c) do table.insert(counts, string.format('["%s",%d]', k, v)) end
      local f, l = t:get("first"), t:get("last")
      for g, v in pairs(f) do table.insert(seen, string.format('[%d,%.3f,%.3f]', g, v, l[g])) end
      stale = stale + t:get("stale")
    end
  end
  table.insert(out, ',"counts":[' .. table.concat(counts, ",") .. '],"seen":[' .. table.concat(seen, ",") .. '],"stale":' .. stale .. '}')
  io.write("${MARK}", table.concat(out), "\\n")
end
`;

interface DoneLine {
  readonly requests: number;
  readonly durationUs: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly counts: [string, number][];
  readonly seen: [number, number, number][];
  readonly stale: number;
}

/** Runs `wrk -t1 -c<connections> -d<durationS>s --latency` against `url` and resolves with its figures. */
export function runWrk(options: WrkOptions): Promise<WrkResult> {
  const script = path.join(options.dir, options.check ? 'wrk-check.lua' : 'wrk.lua');
  writeFileSync(script, `-- written by apps/bench support/wrk.ts\n${options.check ? CHECK_LUA : ''}${DONE_LUA}`);
  const args = ['-t1', `-c${options.connections}`, `-d${options.durationS}s`, '--latency', '--timeout', '10s', '-s', script];
  for (const [name, value] of Object.entries(options.headers)) args.push('-H', `${name}: ${value}`);
  args.push(options.url);
  return new Promise<WrkResult>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const line = output.split('\n').find((l) => l.startsWith(MARK));
      if (code !== 0 || line === undefined) {
        reject(new Error(`wrk ${args.join(' ')} ended (${code ?? signal}) without its figures:\n${output.slice(-2000)}`));
        return;
      }
      const done = JSON.parse(line.slice(MARK.length)) as DoneLine;
      const durationMs = done.durationUs / 1000;
      resolve({
        requests: done.requests,
        durationMs,
        requestsPerSecond: done.requests / (durationMs / 1000),
        p50Ms: done.p50Us / 1000,
        p99Ms: done.p99Us / 1000,
        maxMs: done.maxUs / 1000,
        errors: done.errors,
        non2xx: done.non2xx,
        ...(options.check
          ? { answers: { counts: new Map(done.counts), seen: new Map(done.seen.map(([g, f, l]) => [g, [f, l] as const])), stale: done.stale } }
          : {}),
      });
    });
  });
}
