import path from 'node:path';
import type { z } from 'zod';
import { $ZodAsyncError, type $ZodType, safeParse, safeParseAsync } from 'zod/v4/core';
import { LoadCompileContext } from './compile-context.js';
import { controlCharacter, decodeText } from './decode-text.js';
import { requireDefinition } from './definition.js';
import { ConfigError } from './errors.js';
import { type Limits, resolveLimits } from './limits.js';
import type { ListCache } from './list-cache.js';
import { locate } from './locate.js';
import { parseYaml } from './parse-yaml.js';
import { readCode } from './list-compile.js';
import { NOT_PLAIN, plainYamlValue } from './plain-yaml.js';
import { formatPath, ProblemList } from './problems.js';
import { readFileBounded, readFileBoundedSync } from './read-file.js';
import { sectionMemo, validateSections } from './sections.js';
import { closestKey } from './suggest.js';
import type { ConfigDefinition, ConfigPath, ConfigProblem, LoadedConfig, LoadOptions } from './types.js';
import { findUnknownKeys, strictEverywhere, type UnknownKey } from './unknown-keys.js';
import { yamlToValue } from './yaml-to-value.js';
import { issuesToProblems } from './zod-issues.js';

/** Removes the key at `path` from a converted document (our own fresh copy, safe to edit). */
function deleteAt(value: unknown, path: ConfigPath): void {
  let parent = value;
  for (const seg of path.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null) return;
    parent = (parent as Record<string | number, unknown>)[seg];
  }
  if (typeof parent === 'object' && parent !== null) delete (parent as Record<string | number, unknown>)[path[path.length - 1]!];
}

function wholeFile(file: string, message: string, code: string, line = 0, column = 0): ConfigProblem {
  return { file, line, column, path: '', message, code };
}

function unknownKeyMessage(u: UnknownKey): string {
  const guess = closestKey(u.key, u.known);
  if (guess !== undefined) return `unknown key "${u.key}" (did you mean "${guess}"?)`;
  if (u.known.length > 0 && u.known.length <= 8) return `unknown key "${u.key}" (known keys here: ${u.known.join(', ')})`;
  return `unknown key "${u.key}"`;
}

/**
 * zod's synchronous parse, and the asynchronous one only for a schema that needs it (an async
 * refinement or transform: the sync parse throws $ZodAsyncError on meeting one). Most schemas
 * are synchronous, and the sync parse skips a promise per field.
 */
async function validate(schema: $ZodType, value: unknown): ReturnType<typeof safeParseAsync> {
  try {
    return safeParse(schema, value);
  } catch (err) {
    if (err instanceof $ZodAsyncError) return safeParseAsync(schema, value);
    throw err;
  }
}

const INCOMPLETE: unique symbol = Symbol('incomplete');

/** The `yaml` package's reading of a text: its value (or INCOMPLETE), and where each path was written. */
interface FullParse {
  readonly value: unknown;
  at(path: ConfigPath, where: 'value' | 'key'): { line: number; column: number };
}

/**
 * Parses with the `yaml` package and converts, adding every syntax and conversion problem to
 * `problems`. After the fast path accepted a text there are none (plain-yaml.test.ts checks the
 * two agree); this then runs only to locate a later problem.
 */
function parseFully(text: string, file: string, limits: Limits, problems: ProblemList): FullParse {
  const parsed = parseYaml(text, limits.maxDepth);
  const position = (offset: number): { line: number; column: number } => {
    const { line, col } = parsed.lineCounter.linePos(offset);
    return { line, column: col };
  };
  for (const p of parsed.problems) problems.add({ file, ...position(p.offset), path: '', message: p.message, code: p.code });
  const doc = parsed.doc;
  const unusable: FullParse = { value: INCOMPLETE, at: () => ({ line: 0, column: 0 }) };
  if (!parsed.usable || doc === undefined) return unusable;
  if (doc.contents === null) {
    problems.add(wholeFile(file, 'file holds no YAML value (only comments or document markers)', 'GENSWAP_CONFIG_EMPTY'));
    return unusable;
  }
  const converted = yamlToValue(doc, parsed.lineCounter, limits.maxDepth, limits.maxAliasCount);
  for (const p of converted.problems) problems.add({ file, ...position(p.offset), path: formatPath(p.path), message: p.message, code: p.code });
  return { value: converted.complete ? converted.value : INCOMPLETE, at: (p, where) => position(locate(doc, converted.anchors, p, where)) };
}

/**
 * Reads a config file once (size-checked on the open descriptor, then read bounded), parses it as
 * one YAML document, validates it with the definition's zod schema (unknown keys included, see
 * unknown-keys.ts) and runs its compile step. Resolves with the value, or rejects with a
 * ConfigError listing every problem found, each at file:line:col.
 */
export function loadConfig<S extends z.ZodType, C = z.output<S>>(file: string, definition: ConfigDefinition<S, C>, options?: LoadOptions): Promise<LoadedConfig<C>>;
export function loadConfig<S extends z.ZodType>(file: string, schema: S, options?: LoadOptions): Promise<LoadedConfig<z.output<S>>>;
export async function loadConfig(file: string, definitionOrSchema: unknown, options?: LoadOptions): Promise<LoadedConfig<unknown>> {
  const limits = resolveLimits(options);
  const definition = requireDefinition(definitionOrSchema);
  const abs = path.resolve(file);
  const t0 = performance.now();
  // The tighter of maxBytes and readBudget bounds the read; a read stopped by the budget says so (readCode).
  const bound = limits.readBudget < limits.maxBytes
    ? { bytes: limits.readBudget, limit: 'readBudget', code: 'GENSWAP_CONFIG_OVER_BUDGET' as const }
    : { bytes: limits.maxBytes, limit: 'maxBytes', code: 'GENSWAP_CONFIG_TOO_LARGE' as const };
  const read = options?.blockingRead === true ? readFileBoundedSync(abs, bound.bytes, bound.limit) : await readFileBounded(abs, bound.bytes, bound.limit);
  if (!read.ok) throw new ConfigError(abs, [wholeFile(abs, `cannot read config: ${read.reason}`, readCode(read, bound))]);
  const decoded = decodeText(read.bytes);
  const readMs = performance.now() - t0;
  if (!decoded.ok) throw new ConfigError(abs, [wholeFile(abs, decoded.reason, decoded.code, decoded.line, decoded.column)]);
  return processText(decoded.text, abs, definition, limits, readMs, read.bytes.length, options?.listCache);
}

/**
 * The same pipeline on text already in memory (tests, editors, a config received over the wire).
 * `file` names the text in problems and anchors list-file references.
 */
export function parseConfigText<S extends z.ZodType, C = z.output<S>>(text: string, file: string, definition: ConfigDefinition<S, C>, options?: LoadOptions): Promise<LoadedConfig<C>>;
export function parseConfigText<S extends z.ZodType>(text: string, file: string, schema: S, options?: LoadOptions): Promise<LoadedConfig<z.output<S>>>;
export async function parseConfigText(text: string, file: string, definitionOrSchema: unknown, options?: LoadOptions): Promise<LoadedConfig<unknown>> {
  const limits = resolveLimits(options);
  const definition = requireDefinition(definitionOrSchema);
  const abs = path.resolve(file);
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxBytes) throw new ConfigError(abs, [wholeFile(abs, `text is ${bytes} bytes, more than maxBytes (${limits.maxBytes})`, 'GENSWAP_CONFIG_TOO_LARGE')]);
  if (bytes > limits.readBudget) throw new ConfigError(abs, [wholeFile(abs, `text is ${bytes} bytes, more than readBudget (${limits.readBudget})`, 'GENSWAP_CONFIG_OVER_BUDGET')]);
  const control = controlCharacter(text);
  if (control !== undefined && !control.ok) throw new ConfigError(abs, [wholeFile(abs, control.reason, control.code, control.line, control.column)]);
  return processText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, abs, definition, limits, 0, bytes, options?.listCache);
}

async function processText(text: string, file: string, definition: ConfigDefinition, limits: Limits, readMs: number, bytes: number, listCache?: ListCache): Promise<LoadedConfig<unknown>> {
  const problems = new ProblemList(file, limits.maxProblems);
  const fail = (cause?: unknown): ConfigError => new ConfigError(file, problems.sorted(), cause === undefined ? undefined : { cause });
  if (!/\S/.test(text)) {
    // Refused rather than read as "no settings": an empty file is most often a write in progress.
    throw new ConfigError(file, [wholeFile(file, bytes === 0 ? 'file is empty (0 bytes)' : 'file holds only whitespace', 'GENSWAP_CONFIG_EMPTY')]);
  }

  const t1 = performance.now();
  // The common case, a block mapping of plain values, is read without the `yaml` package
  // (plain-yaml.ts); anything else, and the positions of any problem found later, come from the
  // full parse. Both give the same value for a text the fast path accepts.
  const plain = plainYamlValue(text, limits.maxDepth);
  let full: FullParse | undefined;
  const fullParse = (): FullParse => (full ??= parseFully(text, file, limits, problems));
  let value: unknown;
  if (plain === NOT_PLAIN) {
    const parsed = fullParse();
    if (parsed.value === INCOMPLETE) throw fail();
    value = parsed.value;
  } else {
    value = plain;
  }
  const parseMs = performance.now() - t1;

  const t2 = performance.now();
  const at = (p: ConfigPath, where: 'value' | 'key'): { line: number; column: number } => fullParse().at(p, where);
  // Section by section against the last good load when the definition allows it (sections.ts);
  // anything that needs the whole value validated, a problem included, falls back to it here.
  const reuse = definition.reuseUnchangedSections === true ? listCache : undefined;
  const sections = reuse === undefined ? undefined : validateSections(definition.schema, value, reuse.sections);
  let result = sections === undefined ? await validate(definition.schema, value) : { success: true as const, data: sections.data };
  const input = value; // `value` becomes the compiled value below; the memo keeps what was read
  const reported = new Set<string>();
  const unknownPaths: ConfigPath[] = [];
  // Where zod refuses every unknown key itself, a value it accepted has none: no walk needed.
  if (!result.success || !strictEverywhere(definition.schema)) {
    for (const u of findUnknownKeys(definition.schema, value)) {
      const where = formatPath(u.path);
      reported.add(where);
      unknownPaths.push(u.path);
      problems.add({ file, ...at(u.path, 'key'), path: where, message: unknownKeyMessage(u), code: 'GENSWAP_CONFIG_UNKNOWN_KEY' });
    }
  }
  if (!result.success) {
    const issues = result.error.issues;
    for (const p of issuesToProblems(issues, value)) {
      const where = formatPath(p.path);
      // A strict object's own unrecognized_keys issue repeats what the walk above reported.
      if (p.code === 'GENSWAP_CONFIG_UNKNOWN_KEY' && reported.has(where)) continue;
      problems.add({ file, ...at(p.path, p.at), path: where, message: p.message, code: p.code });
    }
    if (issues.every((i) => i.code === 'unrecognized_keys')) {
      // Only a strict schema's refusal of the (reported) unknown keys stands between the value
      // and compile: parse it again without them, so that this one run also reports what compile
      // finds (bad CIDRs, bad list lines) instead of revealing it after the typo is fixed.
      for (const i of issues) for (const key of i.keys) unknownPaths.push([...(i.path as (string | number)[]), key]);
      for (const p of unknownPaths) deleteAt(value, p);
      const retry = await validate(definition.schema, value);
      if (retry.success) result = retry;
    }
  }
  const validateMs = performance.now() - t2;

  const ctx = new LoadCompileContext(file, limits, problems, (p) => at(p, 'value'), listCache, bytes);
  value = result.success ? result.data : undefined;
  let compileMs = 0;
  let cause: unknown;
  // Compile runs on any value zod accepted, even beside unknown-key problems, so that one run
  // reports bad list lines and CIDRs too; its result is dropped if anything was reported. Other
  // schema problems stop it: compile may rely on everything the schema guarantees.
  if (result.success && definition.compile !== undefined) {
    const t3 = performance.now();
    try {
      value = await definition.compile(result.data, ctx);
    } catch (err) {
      cause = err;
      problems.add(wholeFile(file, `compile step threw: ${err instanceof Error ? err.message : String(err)}`, 'GENSWAP_CONFIG_COMPILE_FAILED'));
    }
    compileMs = Math.max(0, performance.now() - t3 - ctx.listReadMs - ctx.listParseMs);
  }
  if (problems.count > 0) throw fail(cause);
  ctx.commitListCache(); // only now: a failed load never leaves a compiled list behind
  if (reuse !== undefined && result.success) reuse.commitSections(sectionMemo(definition.schema, input, result.data));
  return {
    value,
    file,
    files: [file, ...ctx.listFiles],
    bytes,
    listEntries: ctx.listEntries,
    listsReused: ctx.compiled.reused,
    sectionsReused: sections?.reused ?? 0,
    timings: { readMs: readMs + ctx.listReadMs, parseMs: parseMs + ctx.listParseMs, validateMs, compileMs },
  };
}
