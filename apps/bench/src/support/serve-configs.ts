import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

/**
 * serve-throughput's configs, derived from the gateway's bundled config (so they follow it when
 * it changes) with what would cut a request's evaluation short removed: the loopback allow
 * entries (the load comes from 127.0.0.1) and the limit rules (a rate limit would soon answer
 * 429 without the rest of the rules). Each request is then judged in full: the client address
 * from X-Forwarded-For (127.0.0.1 stays a trusted proxy), the allow and deny lists, every rule.
 */
const BUNDLED = fileURLToPath(import.meta.resolve('@genswap/gateway/config/gateway.yaml'));

interface Rule {
  readonly name: string;
  readonly action: string;
  readonly [key: string]: unknown;
}

interface Document {
  ip?: { allow?: string[]; deny?: string[]; allowFiles?: string[]; denyFiles?: string[] };
  rules?: Rule[];
  limits?: unknown;
  [key: string]: unknown;
}

const isLoopback = (entry: string): boolean => entry.startsWith('127.') || entry === '::1' || entry.startsWith('::1/');

export interface ServeConfigOptions {
  /** More deny list files (absolute paths), e.g. a million entries. */
  readonly denyFiles?: readonly string[];
  /** A last rule, deciding what the bundled rules let through. */
  readonly finalRule?: { readonly name: string; readonly action: 'allow' | 'deny' };
}

/** The YAML text of the bundled config, adjusted as above. List paths become absolute: the file may be written anywhere. */
export function serveConfig(options: ServeConfigOptions = {}): string {
  const doc = parse(readFileSync(BUNDLED, 'utf8')) as Document;
  const dir = path.dirname(BUNDLED);
  const ip = (doc.ip ??= {});
  ip.allow = (ip.allow ?? []).filter((entry) => !isLoopback(entry));
  ip.allowFiles = (ip.allowFiles ?? []).map((f) => path.resolve(dir, f));
  ip.denyFiles = [...(ip.denyFiles ?? []).map((f) => path.resolve(dir, f)), ...(options.denyFiles ?? [])];
  doc.rules = (doc.rules ?? []).filter((rule) => rule.action !== 'limit');
  delete doc.limits;
  if (options.finalRule !== undefined) doc.rules.push({ ...options.finalRule });
  return `# serve-throughput: ${BUNDLED} without its loopback allow entries and limit rules\n${stringify(doc)}`;
}

/**
 * Two versions of the config for the reload runs, told apart by how they judge the probed
 * request, which every bundled rule lets through: version N is texts[N % 2], so the odd ones
 * end in `reload-a` (allow, 200) and the even ones in `reload-b` (deny, 403).
 */
export const RELOAD_TEXTS: readonly string[] = [
  serveConfig({ finalRule: { name: 'reload-b', action: 'deny' } }),
  serveConfig({ finalRule: { name: 'reload-a', action: 'allow' } }),
];

/** The rule and status each answer of config version N must carry. */
export function expectedAnswer(version: number): { readonly rule: string; readonly status: number } {
  return version % 2 === 1 ? { rule: 'reload-a', status: 200 } : { rule: 'reload-b', status: 403 };
}
