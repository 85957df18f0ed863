import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { checkRegex, compileLinearRegex, isOneAlternation, MAX_REGEX_LENGTH, PATH_REGEX_FLAGS, TEXT_REGEX_FLAGS, unsupportedConstruct } from './linear-regex.js';

/**
 * The input as UTF-8 bytes behind a Proxy that counts every read of a character. A linear
 * engine reads each position a bounded number of times; a backtracking one rereads the input
 * once per path it tries, so its count grows with the number of paths (exponentially here).
 */
function countingInput(text: string): { input: number[]; reads: () => number } {
  let reads = 0;
  const bytes = Array.from(Buffer.from(text, 'utf8'));
  const input = new Proxy(bytes, {
    get(target, key, receiver) {
      if (typeof key === 'string' && key.length > 0 && key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { input, reads: () => reads };
}

function readsFor(source: string, flags: number, text: string): { matched: boolean; reads: number } {
  expect(isOneAlternation(source)).toBe(false); // these run on RE2JS
  const re = compileLinearRegex(source, flags) as RE2JS;
  const { input, reads } = countingInput(text);
  return { matched: re.test(input), reads: reads() };
}

/** The shapes that passed the old star-height heuristic and stalled a worker (issue 12), with inputs that make a backtracker explode. */
const HOSTILE: readonly [string, number, (n: number) => string][] = [
  ['^(\\w|\\d)+$', TEXT_REGEX_FLAGS, (n) => `${'1'.repeat(n)}!`],
  ['^(a+){2,64}$', TEXT_REGEX_FLAGS, (n) => `${'a'.repeat(n)}!`],
  ['^(/.*){1,10}/\\.(env|git)', PATH_REGEX_FLAGS, (n) => '/'.repeat(n)],
  ['^([a-z0-9-]|[a-z])+\\.php$', PATH_REGEX_FLAGS, (n) => `${'a'.repeat(n)}.ph`],
  ['^.*a.*a.*a.*b$', TEXT_REGEX_FLAGS, (n) => 'a'.repeat(n)],
  ['(a+)+$', TEXT_REGEX_FLAGS, (n) => `${'a'.repeat(n)}!`],
  ['^(a|a)*$', TEXT_REGEX_FLAGS, (n) => `${'a'.repeat(n)}!`],
];

describe('linear regex engine', () => {
  it.each(HOSTILE)('runs %s in steps linear in the input', (source, flags, hostile) => {
    expect(checkRegex(source, flags)).toBeUndefined();
    const small = readsFor(source, flags, hostile(2_000));
    const large = readsFor(source, flags, hostile(64_000));
    expect(small.matched).toBe(false);
    expect(large.matched).toBe(false);
    // A handful of reads per character, and 32x the input costs about 32x the reads (a
    // backtracker needs more reads than there are atoms in the universe for 64,000 characters).
    expect(large.reads).toBeLessThanOrEqual(8 * 64_001);
    expect(large.reads / small.reads).toBeLessThan(40);
  });

  it('matches what the same pattern matches in JavaScript, for the patterns rules use', () => {
    const cases: [string, number, string, boolean][] = [
      ['^/(\\.env|\\.git)', PATH_REGEX_FLAGS, '/.env', true],
      ['(^|/)\\.(env|git|aws)(/|$)', PATH_REGEX_FLAGS, '/app/.env', true],
      ['(^|/)\\.(env|git|aws)(/|$)', PATH_REGEX_FLAGS, '/app/.environment', false],
      ['(sqlmap|nikto)', TEXT_REGEX_FLAGS, 'Mozilla SQLMap/1.0', true],
      ['^/api/v[0-9]+/', PATH_REGEX_FLAGS, '/API/v1/', false],
      ['(?<ver>\\d+)\\.\\d+', TEXT_REGEX_FLAGS, 'curl/8.5', true],
    ];
    for (const [source, flags, text, expected] of cases) {
      expect(compileLinearRegex(source, flags).test(text), `${source} on ${text}`).toBe(expected);
      expect(new RegExp(source, flags === TEXT_REGEX_FLAGS ? 'i' : '').test(text)).toBe(expected);
    }
  });

  it.each([
    ['(a)\\1', /backreference/],
    ['(?<x>a)\\k<x>', /named backreference/],
    ['(?=a)b', /lookahead/],
    ['a(?!b)', /lookahead/],
    ['(?<=a)b', /lookbehind/],
    ['(?<!a)b', /lookbehind/],
  ])('refuses %s, naming the construct and its offset', (source, message) => {
    const problem = checkRegex(source, PATH_REGEX_FLAGS);
    expect(problem).toEqual({ code: 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX', message: expect.stringMatching(message) });
    expect(problem!.message).toMatch(/at offset \d+/);
  });

  it('does not mistake escaped or bracketed characters for those constructs', () => {
    for (const source of ['\\(?=a', '[(?=]', '[\\]\\1]x'.replace('\\1', 'q'), '\\\\k', 'a\\(?!b']) expect(unsupportedConstruct(source), source).toBeUndefined();
  });

  it('refuses syntax errors, over-long patterns and huge programs', () => {
    expect(checkRegex('[a-', PATH_REGEX_FLAGS)).toEqual({ code: 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX', message: expect.stringMatching(/invalid regex \(RE2 syntax\)/) });
    expect(checkRegex('a++', PATH_REGEX_FLAGS)?.code).toBe('GENSWAP_GATEWAY_CONFIG_BAD_REGEX');
    expect(checkRegex('[z-a]', PATH_REGEX_FLAGS)?.code).toBe('GENSWAP_GATEWAY_CONFIG_BAD_REGEX'); // fast-path shape, refused by V8
    expect(checkRegex('a'.repeat(MAX_REGEX_LENGTH + 1), PATH_REGEX_FLAGS)?.code).toBe('GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX');
    expect(checkRegex('\\w{1,1000}', TEXT_REGEX_FLAGS)).toEqual({ code: 'GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX', message: expect.stringMatching(/instructions/) });
  });

  it('runs quantifier-free, single-alternation ASCII patterns on V8 (linear there), everything else on RE2JS', () => {
    for (const source of ['(sqlmap|nikto|nmap|masscan|zgrab|nuclei)', '/(\\.env|\\.git|\\.aws|wp-config\\.php)', '^/api/v[0-9]/', 'a|b|c', '(?:x|y)z', '\\bbot\\b']) {
      expect(isOneAlternation(source), source).toBe(true);
      expect(compileLinearRegex(source, PATH_REGEX_FLAGS)).toBeInstanceOf(RegExp);
    }
    for (const source of ['a+', '(a|b)(c|d)', 'a|(b|c)', '((a))', 'a.b', '\\s', '[^a]', '[[:alpha:]]', 'x{2}', '(?=a)', 'é', '\\x{41}', '(a|b)?']) {
      expect(isOneAlternation(source), source).toBe(false);
    }
    // On the fast-path subset V8 and RE2 agree, case folding included.
    const samples = ['/.env', '/app/.git/config', 'SQLMap/1.0', 'Mozilla/5.0 (compatible; Nikto)', '/api/v1/x', 'bot', 'robot', 'a bot!', '/wp-config.php', 'xz', 'yz', 'b'];
    for (const source of ['(sqlmap|nikto|nmap)', '/(\\.env|\\.git|wp-config\\.php)', '^/api/v[0-9]/', 'a|b|c', '(?:x|y)z', '\\bbot\\b']) {
      for (const flags of [PATH_REGEX_FLAGS, TEXT_REGEX_FLAGS]) {
        const v8 = compileLinearRegex(source, flags);
        const engine = RE2JS.compile(source, flags === TEXT_REGEX_FLAGS ? RE2JS.CASE_INSENSITIVE : 0);
        for (const text of samples) expect(v8.test(text), `${source} ${flags} ${text}`).toBe(engine.test(text));
      }
    }
  });

  it('keeps the old heuristic\'s favourite shapes working (they are safe on this engine)', () => {
    for (const source of ['(a+)+', '(\\w*x)*$', '((ab)+c)*', '(a|b+)*']) expect(checkRegex(source, TEXT_REGEX_FLAGS)).toBeUndefined();
    expect(RE2JS.compile('^x$').test('x')).toBe(true);
  });
});
