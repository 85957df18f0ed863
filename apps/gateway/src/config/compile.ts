import type { CompileContext, ConfigPath } from '@genswap/config';
import { newCidrBounds, parseCidr } from '../ip/cidr.js';
import type { IpRanges, RangeList } from '../ip/ip-ranges.js';
import { RangeSetBuilder } from '../ip/range-set-builder.js';
import { TableBudget } from '../ip/table-budget.js';
import { checkRegex, PATH_REGEX_FLAGS, TEXT_REGEX_FLAGS } from '../rules/linear-regex.js';
import { PROXY_PRESETS } from '../request/forwarding-headers.js';
import type { GatewayConfig, HeaderCondition, LimitSpec, ProxySpec, RuleSpec } from './gateway-config.js';
import { BAD_CIDR, cidrListCompiler, MAX_PROBLEMS_PER_LIST, overBudgetMessage, TOO_MANY, UNRELATED_FILE_ENTRIES } from './cidr-list-compiler.js';
import type { GatewayInput } from './schema.js';

export { MAX_PROBLEMS_PER_LIST } from './cidr-list-compiler.js';

/**
 * The compile step (runs in the primary, once per reload): CIDR lists and list files into
 * sorted merged tables, regexes checked, limit references resolved. Every problem is
 * recorded with its location and compiling goes on, so one reload reports them all.
 */

/**
 * What compile built from a section of the validated config, kept by that section's value (the
 * object itself). The definition reuses unchanged sections (reuseUnchangedSections in
 * definition.ts): a reload that changed one rule hands every other section back as the very
 * object the last good load validated, and then what was built from it is reused too instead of
 * parsed and merged again. Weak maps: a section no load holds any more is let go. Only sections of
 * a load that succeeded are handed back again, so what is found here was built without a problem
 * (a failed load's entries are keyed by objects no later load receives).
 */
const builtProxies = new WeakMap<GatewayInput['trustedProxies'], { proxies: ProxySpec[]; union: IpRanges }>();
const builtRules = new WeakMap<GatewayInput['rules'], { limits: GatewayInput['limits']; specs: RuleSpec[] }>();
const builtLimits = new WeakMap<GatewayInput['limits'], Record<string, LimitSpec>>();
/** An inline CIDR list's merged ranges (undefined: none) and the room its entries took in the table budget. */
const builtInline = new WeakMap<readonly string[], { ranges: IpRanges | undefined; bytes: number }>();

/** What was built from `section`, built now (and kept) if nothing is kept yet. */
function builtFrom<K extends object, V>(built: WeakMap<K, V>, section: K, build: () => V): V {
  let value = built.get(section);
  if (value === undefined) {
    value = build();
    built.set(section, value);
  }
  return value;
}

function compileInline(ctx: CompileContext, budget: TableBudget, cidrs: readonly string[], cidrsPath: ConfigPath): IpRanges | undefined {
  const built = builtInline.get(cidrs);
  if (built !== undefined && !budget.full && budget.takeBytes(built.bytes)) return built.ranges;
  const before = budget.usedBytes;
  const builder = new RangeSetBuilder();
  const bounds = newCidrBounds();
  cidrs.forEach((text, i) => {
    const family = parseCidr(text, bounds);
    if (typeof family === 'string') ctx.problemAt([...cidrsPath, i], family, BAD_CIDR);
    else if (!budget.full && (!budget.take(family) || !builder.add(family, bounds))) {
      budget.full = true;
      ctx.problemAt([...cidrsPath, i], overBudgetMessage('this entry and those after it do not fit'), TOO_MANY);
    }
  });
  const inline = builder.build();
  const ranges = inline.v4.length + inline.v6.length > 0 ? inline : undefined;
  builtInline.set(cidrs, { ranges, bytes: budget.usedBytes - before });
  return ranges;
}

function compileRanges(ctx: CompileContext, budget: TableBudget, cidrs: readonly string[], cidrsPath: ConfigPath, files: readonly string[], filesPath: ConfigPath): RangeList {
  const sets: IpRanges[] = [];
  // No inline entries (often: allow is empty), no builder and no tables to build.
  if (cidrs.length > 0) {
    const inline = compileInline(ctx, budget, cidrs, cidrsPath);
    if (inline !== undefined) sets.push(inline);
  }
  // Each list file is compiled (or, unchanged since the last good load, reused) on its own and
  // kept as its own set beside the inline one: a cached million-range table is not parsed,
  // sorted or copied again (the codec hands it to the store as a keyed part).
  files.forEach((ref, i) => {
    const list = ctx.compileList(ref, [...filesPath, i], cidrListCompiler);
    if (list === undefined) return;
    if (list.unrelated) {
      ctx.problemAt([...filesPath, i], `list file ${JSON.stringify(ref)}: its first ${UNRELATED_FILE_ENTRIES} entries are not addresses or CIDR blocks; is it an address list? (nothing of it is shown)`, BAD_CIDR);
      return;
    }
    if (list.ranges.v4.length + list.ranges.v6.length > 0 && !sets.includes(list.ranges)) sets.push(list.ranges);
    // One budget for all tables of the config (table-budget.ts): a file within it on its own
    // (checked at its lines by the list compiler) may still not fit beside the others.
    if (!budget.full && !budget.takeBytes(list.tableBytes)) {
      budget.full = true;
      ctx.problemAt([...filesPath, i], `list file ${JSON.stringify(ref)}: ${overBudgetMessage('its ranges do not fit beside the lists before it')}`, TOO_MANY);
    }
    if (list.badEntries > MAX_PROBLEMS_PER_LIST) {
      ctx.problemAt([...filesPath, i], `${ref}: ${list.badEntries - MAX_PROBLEMS_PER_LIST} more invalid entries not listed`, BAD_CIDR);
    }
  });
  return sets;
}

function checkPattern(ctx: CompileContext, source: string | undefined, flags: number, path: ConfigPath): void {
  if (source === undefined) return;
  const problem = checkRegex(source, flags);
  if (problem !== undefined) ctx.problemAt(path, problem.message, problem.code);
}

function compileHeaders(ctx: CompileContext, headers: GatewayInput['rules'][number]['match']['headers'], path: ConfigPath): HeaderCondition[] | undefined {
  if (headers === undefined) return undefined;
  return headers.map((h, j) => {
    const name = h.name.toLowerCase();
    const set = [h.present !== undefined, h.equals !== undefined, h.regex !== undefined].filter(Boolean).length;
    if (set > 1) ctx.problemAt([...path, j], 'give one of present, equals or regex', 'GENSWAP_GATEWAY_CONFIG_BAD_RULE');
    checkPattern(ctx, h.regex, TEXT_REGEX_FLAGS, [...path, j, 'regex']);
    if (h.equals !== undefined) return { name, equals: h.equals };
    if (h.regex !== undefined) return { name, regex: h.regex };
    return { name, present: h.present ?? true };
  });
}

function compileRules(ctx: CompileContext, value: GatewayInput): RuleSpec[] {
  // A rule names its limit: the rules are reused only beside the very limits they were checked against.
  const built = builtRules.get(value.rules);
  if (built !== undefined && built.limits === value.limits) return built.specs;
  const specs = buildRules(ctx, value);
  builtRules.set(value.rules, { limits: value.limits, specs });
  return specs;
}

function buildRules(ctx: CompileContext, value: GatewayInput): RuleSpec[] {
  const seen = new Set<string>();
  return value.rules.map((rule, i) => {
    const path: ConfigPath = ['rules', i];
    const name = rule.name ?? `rules[${i}]`;
    if (rule.name !== undefined) {
      if (seen.has(rule.name)) ctx.problemAt([...path, 'name'], `rule name "${rule.name}" is used twice`, 'GENSWAP_GATEWAY_CONFIG_BAD_RULE');
      seen.add(rule.name);
    }
    if (rule.action === 'limit') {
      if (rule.limit === undefined) ctx.problemAt(path, 'a rule with action: limit needs `limit: <name of a limit>`', 'GENSWAP_GATEWAY_CONFIG_BAD_RULE');
      else if (!Object.hasOwn(value.limits, rule.limit)) {
        const known = Object.keys(value.limits);
        ctx.problemAt([...path, 'limit'], `no limit named "${rule.limit}" (defined: ${known.length > 0 ? known.join(', ') : 'none'})`, 'GENSWAP_GATEWAY_CONFIG_UNKNOWN_LIMIT');
      }
    } else if (rule.limit !== undefined) {
      ctx.problemAt([...path, 'limit'], `limit is only meaningful with action: limit (this rule's action is ${rule.action})`, 'GENSWAP_GATEWAY_CONFIG_BAD_RULE');
    }
    const m = rule.match;
    checkPattern(ctx, m.pathRegex, PATH_REGEX_FLAGS, [...path, 'match', 'pathRegex']);
    checkPattern(ctx, m.userAgent, TEXT_REGEX_FLAGS, [...path, 'match', 'userAgent']);
    const headers = compileHeaders(ctx, m.headers, [...path, 'match', 'headers']);
    const spec: RuleSpec = {
      name,
      action: rule.action,
      ...(rule.action === 'limit' && rule.limit !== undefined ? { limit: rule.limit } : {}),
      ...(m.methods !== undefined ? { methods: m.methods.map((x) => x.toUpperCase()) } : {}),
      ...(m.path !== undefined ? { pathPrefix: m.path } : {}),
      ...(m.pathEquals !== undefined ? { pathEquals: m.pathEquals } : {}),
      ...(m.pathRegex !== undefined ? { pathRegex: m.pathRegex } : {}),
      ...(m.hosts !== undefined ? { hosts: m.hosts.map((h) => h.toLowerCase().replace(/\.$/, '')) } : {}),
      ...(m.userAgent !== undefined ? { userAgent: m.userAgent } : {}),
      ...(headers !== undefined ? { headers } : {}),
    };
    return spec;
  });
}

function compileLimits(value: GatewayInput): Record<string, LimitSpec> {
  // Null prototype: looked up by rule.limit (checked with Object.hasOwn above, but a plain
  // object would still answer `constructor` from its prototype).
  const limits: Record<string, LimitSpec> = Object.create(null) as Record<string, LimitSpec>;
  for (const [name, l] of Object.entries(value.limits)) {
    limits[name] = {
      name,
      requests: l.requests,
      windowSeconds: l.windowSeconds,
      ...(l.key === 'ip' ? {} : { keyHeader: l.key.slice('header:'.length).toLowerCase() }),
      ipv4Prefix: l.ipv4Prefix,
      ipv6Prefix: l.ipv6Prefix,
    };
  }
  return limits;
}

/**
 * Trusted proxies: each names the headers it sets (a preset or a list). The union of their
 * addresses becomes the shared `trustedProxies` table; the per-proxy CIDRs (few) travel in
 * the settings so a worker knows which proxy a peer is and which of its headers to believe.
 */
function compileProxies(ctx: CompileContext, value: GatewayInput): { proxies: ProxySpec[]; union: IpRanges } {
  const proxies: ProxySpec[] = [];
  const cidrs: string[] = [];
  const paths: ConfigPath[] = [];
  value.trustedProxies.forEach((proxy, i) => {
    if (typeof proxy === 'string') {
      ctx.problemAt(['trustedProxies', i], `name the forwarding headers this proxy sets: write { addresses: [${proxy}], sets: nginx } (or envoy, traefik, or a list of header names)`, 'GENSWAP_GATEWAY_CONFIG_BAD_PROXY');
      return;
    }
    const sets = typeof proxy.sets === 'string' ? [...PROXY_PRESETS[proxy.sets]] : [...new Set(proxy.sets)];
    proxies.push({ addresses: [...proxy.addresses], sets });
    proxy.addresses.forEach((cidr, k) => {
      cidrs.push(cidr);
      paths.push(['trustedProxies', i, 'addresses', k]);
    });
  });
  const builder = new RangeSetBuilder();
  const bounds = newCidrBounds();
  cidrs.forEach((text, k) => {
    const family = parseCidr(text, bounds);
    if (typeof family === 'string') ctx.problemAt(paths[k]!, family, BAD_CIDR);
    else builder.add(family, bounds);
  });
  return { proxies, union: builder.build() };
}

/** `definition.compile`: the validated config into its runtime form. */
export function compileGateway(value: GatewayInput, ctx: CompileContext): GatewayConfig {
  const { proxies, union } = builtFrom(builtProxies, value.trustedProxies, () => compileProxies(ctx, value));
  const budget = new TableBudget();
  return {
    settings: {
      statuses: { ...value.statuses },
      rules: compileRules(ctx, value),
      limits: builtFrom(builtLimits, value.limits, () => compileLimits(value)),
      proxies,
      unparseableClient: value.unparseableClient,
    },
    lists: {
      allow: compileRanges(ctx, budget, value.ip.allow, ['ip', 'allow'], value.ip.allowFiles, ['ip', 'allowFiles']),
      deny: compileRanges(ctx, budget, value.ip.deny, ['ip', 'deny'], value.ip.denyFiles, ['ip', 'denyFiles']),
      trustedProxies: union,
    },
  };
}
