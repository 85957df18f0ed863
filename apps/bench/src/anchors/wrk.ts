import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { WRK } from './anchor-server.js';

/**
 * wrk (Debian's 4.1) as the load generator of the anchor storm: a separate process in C, so the
 * same load reaches genswap, nginx and HAProxy. Its Lua hook checks every response: status 200
 * and a version marker (x-genswap-rule: storm-vN, or x-version: vN) that must never be missing.
 */
export interface WrkResult {
  readonly requests: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Socket errors (connect, read, write, timeout) and non-2xx/3xx answers. */
  readonly errors: number;
  /** Answers whose status was not 200 or that carried no version marker. */
  readonly inconsistent: number;
}

const SCRIPT = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  local v = headers["x-genswap-rule"] or headers["x-version"]
  if status ~= 200 or v == nil or not string.match(v, "v%d+$") then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("inconsistent %d\\n", total))
end
`;

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : Number.NaN;
}

export function runWrk(url: string, dir: string, durationS: number, connections: number): Promise<WrkResult> {
  const script = path.join(dir, 'check.lua');
  writeFileSync(script, SCRIPT);
  return new Promise((resolve, reject) => {
    const child = spawn(WRK, ['-t1', `-c${connections}`, `-d${durationS}s`, '--latency', '-s', script, '-H', 'x-real-ip: 203.0.113.9', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => {
      const pct = (p: string): number => {
        const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
        return m === null ? Number.NaN : toMs(m[1]!, m[2]!);
      };
      const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? 0);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const socketErrors = socket === null ? 0 : socket.slice(1).reduce((a, x) => a + Number(x), 0);
      const requests = num(/(\d+) requests in/);
      if (code !== 0 || requests === 0) return reject(new Error(`wrk failed (exit ${code}):\n${out}`));
      resolve({
        requests,
        perSecond: num(/Requests\/sec:\s+([\d.]+)/),
        p50Ms: pct('50'),
        p99Ms: pct('99'),
        errors: socketErrors + num(/Non-2xx or 3xx responses: (\d+)/),
        inconsistent: num(/inconsistent (\d+)/),
      });
    });
  });
}
