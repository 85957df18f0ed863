import type { GatewaySettings, HeaderCondition, RuleSpec } from '../config/gateway-config.js';
import type { DescribedRequest } from '../request/describe-request.js';
import { headerValue } from '../request/forwarding-headers.js';
import { compileLinearRegex, type LinearRegex, PATH_REGEX_FLAGS, TEXT_REGEX_FLAGS } from './linear-regex.js';

/**
 * A generation's rules, ready to match: patterns compiled once per generation per worker, on
 * the linear-time engine (linear-regex.ts). The primary already checked every pattern
 * (compile.ts), so compiling cannot fail here, and `test` keeps no state between requests.
 */
interface CompiledHeader {
  readonly condition: HeaderCondition;
  readonly regex: LinearRegex | undefined;
}

interface CompiledRule {
  readonly spec: RuleSpec;
  readonly pathRegex: LinearRegex | undefined;
  readonly userAgent: LinearRegex | undefined;
  readonly headers: readonly CompiledHeader[] | undefined;
}

function compileRule(spec: RuleSpec): CompiledRule {
  return {
    spec,
    pathRegex: spec.pathRegex === undefined ? undefined : compileLinearRegex(spec.pathRegex, PATH_REGEX_FLAGS),
    userAgent: spec.userAgent === undefined ? undefined : compileLinearRegex(spec.userAgent, TEXT_REGEX_FLAGS),
    headers: spec.headers?.map((condition) => ({
      condition,
      regex: condition.regex === undefined ? undefined : compileLinearRegex(condition.regex, TEXT_REGEX_FLAGS),
    })),
  };
}

function hostMatches(hosts: readonly string[], host: string): boolean {
  for (const pattern of hosts) {
    if (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern) return true;
  }
  return false;
}

function headerMatches(h: CompiledHeader, headers: Readonly<Record<string, string | undefined>>): boolean {
  const value = headerValue(headers, h.condition.name);
  if (h.condition.present !== undefined) return (value !== undefined) === h.condition.present;
  if (value === undefined) return false;
  if (h.condition.equals !== undefined) return value === h.condition.equals;
  return h.regex!.test(value);
}

function ruleMatches(rule: CompiledRule, req: DescribedRequest): boolean {
  const spec = rule.spec;
  if (spec.methods !== undefined && !spec.methods.includes(req.method)) return false;
  if (spec.pathPrefix !== undefined && !req.path.startsWith(spec.pathPrefix)) return false;
  if (spec.pathEquals !== undefined && req.path !== spec.pathEquals) return false;
  if (rule.pathRegex !== undefined && !rule.pathRegex.test(req.path)) return false;
  if (spec.hosts !== undefined && !hostMatches(spec.hosts, req.host)) return false;
  if (rule.userAgent !== undefined && !rule.userAgent.test(headerValue(req.headers, 'user-agent') ?? '')) return false;
  if (rule.headers !== undefined) {
    for (const h of rule.headers) if (!headerMatches(h, req.headers)) return false;
  }
  return true;
}

export class RuleSet {
  private readonly rules: readonly CompiledRule[];

  constructor(settings: GatewaySettings) {
    this.rules = settings.rules.map(compileRule);
  }

  get size(): number {
    return this.rules.length;
  }

  /** Index of the first rule at or after `from` that matches, or -1. */
  firstMatch(req: DescribedRequest, from: number): number {
    for (let i = from; i < this.rules.length; i++) if (ruleMatches(this.rules[i]!, req)) return i;
    return -1;
  }

  rule(index: number): RuleSpec {
    return this.rules[index]!.spec;
  }
}

/**
 * The compiled rules of a decoded config. The reader decodes each generation once per thread and
 * hands every request of that generation the same settings object (its lease keeps it valid), so
 * the rules are memoised on that object: no second per-generation cache to keep in step, and they
 * go with the decoded value when the reader drops it.
 */
const compiled = new WeakMap<GatewaySettings, RuleSet>();

export function ruleSetFor(settings: GatewaySettings): RuleSet {
  let rules = compiled.get(settings);
  if (rules === undefined) {
    rules = new RuleSet(settings);
    compiled.set(settings, rules);
  }
  return rules;
}
