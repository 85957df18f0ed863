#!/usr/bin/env node
// Model-checks store.pml with SPIN: every configuration in cases.mjs must pass (no assertion
// fails, no invalid end state, the search completes), and every mutant must be caught by a
// property of the kind it names. A counter-example is printed as a numbered list of steps.
//
//   node packages/core/model/check.mjs [--jobs N] [--only NAME,...] [--quiet] [--json]
//
// --jobs   pan processes at once (default: 2, or 1 on a single core)
// --only   run only these configurations or mutants (by name)
// --quiet  do not print the trails of caught mutants (a failing configuration's trail is
//          always printed)
// --json   print a JSON summary on stdout; the human-readable report goes to stderr
//
// Exit status: 0 all good, 1 a configuration failed or a mutant escaped, 3 spin or gcc missing.
import { spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configurations, mutants } from './cases.mjs';
import { formatTrail, readTrail } from './trail.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const modelPath = path.join(here, 'store.pml');

// Exhaustive search (no bitstate): COLLAPSE compresses stored states about 3x. The deepest
// configuration reaches depth ~400; MAX_DEPTH leaves room and a truncated search is a failure.
// MEMLIM stops pan before it takes the machine's memory if the model is ever made larger.
// A mutant's search stops at its first counter-example, a few thousand states in, so its
// verifier is compiled without optimization: gcc -O2 takes longer than the search.
const CFLAGS = ['-w', '-DSAFETY', '-DCOLLAPSE', '-DMEMLIM=3072'];
const OPTIMIZE = { model: '-O2', mutant: '-O0' };
const MAX_DEPTH = 10_000;

function parseArgs(argv) {
  const options = { jobs: Math.min(2, availableParallelism()), only: undefined, quiet: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quiet') options.quiet = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--jobs') options.jobs = Math.max(1, Number.parseInt(argv[++i] ?? '', 10) || 1);
    else if (arg === '--only') options.only = new Set((argv[++i] ?? '').split(',').filter(Boolean));
    else throw new Error(`unknown argument ${arg} (see the comment at the top of check.mjs)`);
  }
  return options;
}

function toolVersion(command, args) {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  if (run.error !== undefined || run.status !== 0) return undefined;
  return (run.stdout || run.stderr).split('\n')[0]?.trim();
}

function run(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function defineArgs(defines, mutant) {
  const args = Object.entries(defines).map(([k, v]) => `-D${k}=${v}`);
  if (mutant !== undefined) args.push(`-D${mutant}`);
  return args;
}

/** The wanted steps that pan lists as unreached (its "unreached in proctype" sections). */
function unreachedSteps(panOutput, wanted) {
  const unreached = panOutput.slice(panOutput.indexOf('unreached in'));
  return wanted.filter((step) => unreached.includes(step));
}

function number(text, pattern) {
  const m = pattern.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Generates, compiles and runs one verifier; replays its trail if it found an error. */
async function verify(job, source) {
  const started = performance.now();
  const result = await verifyIn(job, source);
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

async function verifyIn(job, source) {
  const dir = await mkdtemp(path.join(tmpdir(), 'genswap-model-'));
  try {
    await copyFile(modelPath, path.join(dir, 'store.pml'));
    const defs = defineArgs(job.defines, job.mutant?.define);
    const gen = await run('spin', ['-a', ...defs, 'store.pml'], dir);
    if (gen.code !== 0) return { ...job, status: 'error', detail: `spin -a failed:\n${gen.stdout}${gen.stderr}` };
    const cc = await run('gcc', [job.mutant ? OPTIMIZE.mutant : OPTIMIZE.model, ...CFLAGS, '-o', 'pan', 'pan.c'], dir);
    if (cc.code !== 0) return { ...job, status: 'error', detail: `gcc failed:\n${cc.stderr}` };
    const panStarted = performance.now();
    const pan = await run('./pan', [`-m${MAX_DEPTH}`], dir);
    const panSeconds = (performance.now() - panStarted) / 1000;
    const out = pan.stdout;
    const result = {
      ...job,
      states: number(out, /(\d+) states, stored/),
      transitions: number(out, /(\d+) transitions/),
      depth: number(out, /depth reached (\d+)/),
      errors: number(out, /errors: (\d+)/),
      panSeconds,
    };
    if (/max search depth too small|reached -DMEMLIM bound|out of memory/.test(out)) {
      return { ...result, status: 'incomplete', detail: out.split('\n').filter((l) => /depth|MEMLIM|memory/.test(l)).join('\n') };
    }
    if (result.errors === undefined) return { ...result, status: 'error', detail: `pan printed no result:\n${out}${pan.stderr}` };
    if (result.errors === 0) {
      const missed = unreachedSteps(out, job.reaches ?? []);
      if (missed.length > 0) return { ...result, status: 'vacuous', detail: `never reaches: ${missed.join('; ')}` };
      return { ...result, status: 'pass' };
    }
    const replay = await run('spin', ['-t', '-p', ...defs, 'store.pml'], dir);
    return { ...result, status: 'counter-example', trail: readTrail(replay.stdout, source, out) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function pool(jobs, width, work) {
  const results = new Array(jobs.length);
  let next = 0;
  async function lane() {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await work(jobs[i]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, lane));
  return results;
}

function verdict(result) {
  if (result.mutant === undefined) return result.status === 'pass';
  return result.status === 'counter-example' && result.trail.kind === result.mutant.kind;
}

function describe(result) {
  const states = result.states !== undefined ? `${result.states.toLocaleString('en-US')} states, depth ${result.depth}` : '';
  const time = `${result.seconds.toFixed(1)} s`;
  if (result.mutant === undefined) {
    // One exhaustive search checks the safety assertions and the liveness end state together.
    const word = result.status === 'pass' ? 'pass (safety, liveness)' : `FAIL (${result.status})`;
    return `model  ${result.config.padEnd(16)} ${word.padEnd(24)} ${states}, ${time}`;
  }
  const name = result.mutant.name.padEnd(20);
  if (result.status !== 'counter-example') {
    return `mutant ${name} NOT CAUGHT on ${result.config} (${result.status}) ${states}, ${time}`;
  }
  const how = `${result.trail.kind}: ${result.trail.property}`;
  const word = verdict(result) ? 'caught' : `CAUGHT BY THE WRONG KIND (expected ${result.mutant.kind})`;
  return `mutant ${name} ${word} on ${result.config} after ${states}, ${time}\n         ${how}`;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const log = options.json ? (s) => process.stderr.write(`${s}\n`) : (s) => process.stdout.write(`${s}\n`);
  const spin = toolVersion('spin', ['-V']);
  const gcc = toolVersion('gcc', ['--version']);
  if (spin === undefined || gcc === undefined) {
    log(`store model check needs spin and gcc on PATH (missing: ${[spin ? '' : 'spin', gcc ? '' : 'gcc'].filter(Boolean).join(', ')}).`);
    log('Install them, e.g. on Debian or Ubuntu: apt-get install -y spin gcc');
    if (options.json) process.stdout.write(`${JSON.stringify({ ok: false, missing: true, spin, gcc })}\n`);
    process.exitCode = 3;
    return;
  }
  const source = await readFile(modelPath, 'utf8');
  for (const c of configurations) {
    for (const step of c.reaches) {
      if (!source.includes(step)) throw new Error(`cases.mjs: ${c.name} wants to reach "${step}", which store.pml never narrates`);
    }
  }
  const byName = new Map(configurations.map((c) => [c.name, c]));
  const wanted = (name) => options.only === undefined || options.only.has(name);
  const jobs = [
    ...configurations.filter((c) => wanted(c.name)).map((c) => ({ config: c.name, defines: c.defines, reaches: c.reaches })),
    ...mutants.filter((m) => wanted(m.name)).map((m) => ({ config: m.config, defines: byName.get(m.config).defines, mutant: m })),
  ];
  log(`genswap store model: ${spin}; ${gcc}; ${jobs.length} runs, ${options.jobs} at a time`);
  const started = performance.now();
  const results = await pool(jobs, options.jobs, (job) => verify(job, source));
  const seconds = (performance.now() - started) / 1000;

  for (const result of results) {
    log(describe(result));
    if (result.detail !== undefined) log(result.detail.replace(/^/gm, '    '));
    const showTrail = result.trail !== undefined && (!verdict(result) || result.mutant === undefined || !options.quiet);
    if (showTrail) log(formatTrail(result.trail));
  }
  const failed = results.filter((r) => !verdict(r));
  log(
    failed.length === 0
      ? `ok in ${seconds.toFixed(1)} s: every configuration passes and every mutant is caught`
      : `FAILED in ${seconds.toFixed(1)} s: ${failed.map((r) => r.mutant?.name ?? r.config).join(', ')}`,
  );
  if (options.json) {
    const summary = {
      ok: failed.length === 0,
      seconds,
      spin,
      gcc,
      results: results.map((r) => ({
        config: r.config,
        mutant: r.mutant?.name,
        expected: r.mutant?.kind,
        status: r.status,
        ok: verdict(r),
        states: r.states,
        depth: r.depth,
        seconds: r.seconds,
        kind: r.trail?.kind,
        property: r.trail?.property,
        steps: r.trail?.steps.length,
      })),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  process.exitCode = failed.length === 0 ? 0 : 1;
}

await main();
