import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYaml } from './parse-yaml.js';
import { NOT_PLAIN, plainYamlValue } from './plain-yaml.js';
import { yamlToValue } from './yaml-to-value.js';

const MAX_DEPTH = 64;
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** What the full path (the `yaml` package, then the converter) makes of `text`: its value, or 'refused'. */
function fullPath(text: string, maxDepth = MAX_DEPTH): { value: unknown } | 'refused' {
  const parsed = parseYaml(text, maxDepth);
  if (!parsed.usable || parsed.doc === undefined || parsed.doc.contents === null) return 'refused';
  const converted = yamlToValue(parsed.doc, parsed.lineCounter, maxDepth, 100);
  return converted.problems.length > 0 || !converted.complete ? 'refused' : { value: converted.value };
}

/** Deep equality that tells -0 from 0 and NaN from everything but NaN (Object.is on leaves), and plain objects from arrays. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The property under test: the fast path either declines, or gives exactly what the full path gives. */
function agrees(text: string, maxDepth = MAX_DEPTH): { accepted: boolean; ok: boolean } {
  const fast = plainYamlValue(text, maxDepth);
  if (fast === NOT_PLAIN) return { accepted: false, ok: true };
  const full = fullPath(text, maxDepth);
  return { accepted: true, ok: full !== 'refused' && same(fast, full.value) };
}

function expectAgreement(texts: readonly string[], maxDepth = MAX_DEPTH): number {
  let accepted = 0;
  const wrong: string[] = [];
  for (const text of texts) {
    const r = agrees(text, maxDepth);
    if (r.accepted) accepted++; else if (process.env.SHOW_DECLINED) console.log(JSON.stringify(text));
    if (!r.ok) wrong.push(text);
  }
  expect(wrong.slice(0, 3).map((t) => ({ text: JSON.stringify(t), fast: plainYamlValue(t, maxDepth), full: fullPath(t, maxDepth) }))).toEqual([]);
  return accepted;
}

/** A small seeded generator (mulberry32), so a failure names a reproducible case. */
function rng(seed: number): { next: () => number; int: (n: number) => number; pick: <T>(xs: readonly T[]) => T; chance: (p: number) => boolean } {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: (xs) => xs[int(xs.length)]!, chance: (p) => next() < p };
}

// Scalars a config holds, and scalars chosen to sit on every edge of the core schema and of plain-scalar syntax.
const TAME_SCALARS = ['a', 'name', 'storm-v12', '127.0.0.1/32', '2001:db8::/32', '::1', '192.0.2.66', '/admin', '^/api/.*$', 'GET', 'deny', '0', '12', '-3', '1.5', 'true', 'false', 'null', 'a b c', 'x-forwarded-for', 'http://example.com/x?y=1', '100ms', '5s'];
const EDGE_SCALARS = [
  ...TAME_SCALARS,
  '-0', '+1', '007', '0o17', '0o8', '0x1F', '0x', '0xg', '1e3', '1E-3', '.5', '+.5', '-.5e3', '1.', '5e', '1_000', '12345678901234567890', '0.10',
  '.inf', '-.Inf', '+.INF', '.nan', '.NaN', 'NaN', 'inf', '~', 'Null', 'NULL', 'nUll', 'True', 'TRUE', 'tRue', 'yes', 'no', 'on', 'off', '2026-01-01',
  'a:b', 'a: b', 'a:', ':a', 'a #b', 'a#b', '#a', '-a', '- a', '-', '?a', 'a?', '? a', '*.example.com', 'a*b', '&a', '*a', '!a', '!!str x', '|', '>', '%x', '@x', '`x',
  'a  b', ' a', 'a ', "it's", 'say "hi"', '[a]', '{a}', 'a,b', 'a]', 'é', 'naïve', '', 'x'.repeat(130), '<<', '=', '$HOME', 'a\\b',
];
const TAME_KEYS = ['a', 'name', 'ip', 'deny', 'rules', 'action', 'x-real-ip', 'deny.files', 'path', 'limit_per_s', 'k9'];
const EDGE_KEYS = [...TAME_KEYS, '80', '0x10', 'true', 'null', '~', '__proto__', 'constructor', 'prototype', 'a b', 'a:b', '-k', '.k', 'k/v', 'é', '"q"', "'q'", '', '? k', 'x'.repeat(200)];

type Tree = { map: [string, Tree][] } | { seq: Tree[] } | { flow: string[] } | { flowMap: [string, string][] } | { scalar: string };

/** `n` distinct keys of `keys`; drawn from the edge keys, now and then one repeats an earlier key. */
function keysOf(r: ReturnType<typeof rng>, keys: readonly string[], n: number): string[] {
  const pool = [...keys];
  const out: string[] = [];
  const dupes = keys === EDGE_KEYS ? 0.05 : 0;
  for (let i = 0; i < n && pool.length > 0; i++) out.push(r.chance(dupes) && out.length > 0 ? r.pick(out) : pool.splice(r.int(pool.length), 1)[0]!);
  return out;
}

function tree(r: ReturnType<typeof rng>, depth: number, scalars: readonly string[], keys: readonly string[]): Tree {
  const roll = depth >= 4 ? 3 : r.int(5);
  if (roll === 4) return { flowMap: keysOf(r, keys, r.int(3)).map((k) => [k, r.pick(scalars)] as [string, string]) };
  if (roll === 0) return { map: keysOf(r, keys, 1 + r.int(4)).map((k) => [k, tree(r, depth + 1, scalars, keys)] as [string, Tree]) };
  if (roll === 1) return { seq: Array.from({ length: 1 + r.int(3) }, () => tree(r, depth + 1, scalars, keys)) };
  if (roll === 2) return { flow: Array.from({ length: r.int(4) }, () => r.pick(scalars)) };
  return { scalar: r.pick(scalars) };
}

interface Style {
  readonly step: number;
  readonly quote: number; // chance a scalar is quoted
  readonly comments: boolean;
  readonly sameIndentSeq: boolean;
}

function scalarText(r: ReturnType<typeof rng>, s: string, style: Style): string {
  if (!r.chance(style.quote)) return s;
  return r.chance(0.5) ? `'${s.replaceAll("'", "''")}'` : JSON.stringify(s);
}

function inline(r: ReturnType<typeof rng>, t: Tree, style: Style): string | undefined {
  if ('scalar' in t) return scalarText(r, t.scalar, style);
  if ('flow' in t) return `[${t.flow.map((s) => scalarText(r, s, style)).join(r.pick([', ', ',', ' , ']))}]`;
  if ('flowMap' in t) return `{${r.pick(['', ' '])}${t.flowMap.map(([k, s]) => `${k}: ${scalarText(r, s, style)}`).join(r.pick([', ', ',']))}${r.pick(['', ' '])}}`;
  return undefined;
}

function comment(r: ReturnType<typeof rng>, style: Style): string {
  return style.comments && r.chance(0.2) ? r.pick([' # note', '  #x', ' #: - [a]']) : '';
}

function render(r: ReturnType<typeof rng>, t: Tree, indent: number, style: Style, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (style.comments && r.chance(0.1)) out.push(`${' '.repeat(r.int(6))}# a comment: - [x]`);
  if (style.comments && r.chance(0.05)) out.push(r.pick(['', '   ']));
  if ('map' in t) {
    for (const [k, v] of t.map) {
      const text = inline(r, v, style);
      if (text !== undefined) {
        out.push(`${pad}${k}:${' '.repeat(1 + r.int(2))}${text}${comment(r, style)}`);
      } else {
        out.push(`${pad}${k}:${comment(r, style)}`);
        const seqHere = 'seq' in v && style.sameIndentSeq && r.chance(0.5);
        render(r, v, seqHere ? indent : indent + style.step, style, out);
      }
    }
    return;
  }
  if ('seq' in t) {
    for (const item of t.seq) {
      const text = inline(r, item, style);
      if (text !== undefined) {
        out.push(`${pad}-${' '.repeat(1 + r.int(2))}${text}${comment(r, style)}`);
      } else if ('map' in item && r.chance(0.6)) {
        // Compact: the first pair on the dash's line, the others at its column.
        const lines: string[] = [];
        const gap = 1 + r.int(2);
        render(r, item, indent + 1 + gap, style, lines);
        const first = lines.findIndex((l) => !l.trimStart().startsWith('#') && l.trim() !== '');
        lines[first] = `${pad}-${' '.repeat(gap)}${lines[first]!.trimStart()}`;
        out.push(...lines);
      } else {
        out.push(`${pad}-${comment(r, style)}`);
        render(r, item, indent + style.step, style, out);
      }
    }
    return;
  }
  out.push(`${pad}${inline(r, t, style)!}`);
}

function documentText(r: ReturnType<typeof rng>, scalars: readonly string[], keys: readonly string[], style: Style): string {
  const root: Tree = { map: keysOf(r, keys, 1 + r.int(4)).map((k) => [k, tree(r, 1, scalars, keys)] as [string, Tree]) };
  const out: string[] = [];
  render(r, root, 0, style, out);
  return out.join('\n') + (r.chance(0.8) ? '\n' : '');
}

/** Random edits of the kinds that break YAML or change its meaning: an indicator inserted, a character dropped, a line re-indented or repeated. */
function mutate(r: ReturnType<typeof rng>, text: string): string {
  let t = text;
  for (let n = 1 + r.int(3); n > 0; n--) {
    const at = r.int(t.length + 1);
    const kind = r.int(4);
    if (kind === 0) t = t.slice(0, at) + r.pick([' ', ':', '-', '#', '[', ']', '{', '}', ',', "'", '"', '\n', '&', '*', '!', '|', '>', '?', '%', '@', '`', '\t', '\r', '\\', '0', '.']) + t.slice(at);
    else if (kind === 1) t = t.slice(0, at) + t.slice(at + 1);
    else {
      const lines = t.split('\n');
      const i = r.int(lines.length);
      if (kind === 2) lines[i] = r.chance(0.5) ? ` ${lines[i]}` : lines[i]!.replace(/^ /, '');
      else lines.splice(i, 0, lines[i]!);
      t = lines.join('\n');
    }
  }
  return t;
}

describe('plain-yaml fast path', () => {
  it('accepts every config written in the common style, and gives the full path\'s value', () => {
    const r = rng(1);
    const texts = Array.from({ length: 600 }, () =>
      documentText(r, TAME_SCALARS, TAME_KEYS, { step: 1 + r.int(4), quote: 0.15, comments: true, sameIndentSeq: true }),
    );
    expect(expectAgreement(texts)).toBe(texts.length);
  });

  it('declines or agrees on documents full of edge cases of the core schema and of plain-scalar syntax', () => {
    const r = rng(2);
    const texts = Array.from({ length: 2500 }, () =>
      documentText(r, EDGE_SCALARS, EDGE_KEYS, { step: 1 + r.int(4), quote: 0.3, comments: true, sameIndentSeq: true }),
    );
    const accepted = expectAgreement(texts);
    // Not a test of a fast path that declines everything: a share of these are within the subset.
    expect(accepted).toBeGreaterThan(texts.length * 0.03);
  });

  it('declines or agrees on each edge scalar and key, plain, single- and double-quoted, in every position', () => {
    const texts: string[] = [];
    for (const scalar of EDGE_SCALARS) {
      for (const written of [scalar, `'${scalar.replaceAll("'", "''")}'`, JSON.stringify(scalar)]) {
        texts.push(`k: ${written}\n`, `k: ${written} # c\n`, `k: [${written}]\n`, `k: [a, ${written}, b]\n`, `k: {a: ${written}}\n`, `k:\n- ${written}\n`, `- ${written}\n`, `k: x\n${written}: y\n`);
      }
    }
    for (const key of EDGE_KEYS) texts.push(`${key}: 1\n`, `a:\n  ${key}:\n    - x\n`, `k: {${key}: 1}\n`, `- ${key}: 1\n`);
    expect(expectAgreement(texts)).toBeGreaterThan(texts.length * 0.3);
  });

  it('declines or agrees at a small maxDepth (the full path refuses what is nested deeper)', () => {
    const r = rng(4);
    for (const maxDepth of [1, 2, 3, 4]) {
      const texts = Array.from({ length: 300 }, () => documentText(r, TAME_SCALARS, TAME_KEYS, { step: 2, quote: 0, comments: false, sameIndentSeq: true }));
      expectAgreement(texts, maxDepth);
    }
  });

  it('declines or agrees on mutated documents (broken indentation, stray indicators, tabs, CRs)', () => {
    const r = rng(3);
    const texts = Array.from({ length: 4000 }, () =>
      mutate(r, documentText(r, TAME_SCALARS, TAME_KEYS, { step: 1 + r.int(3), quote: 0.2, comments: true, sameIndentSeq: true })),
    );
    const accepted = expectAgreement(texts);
    expect(accepted).toBeGreaterThan(texts.length * 0.1);
  });

  it('reads CRLF line ends as LF: every common-style config, with the full path\'s value', () => {
    const r = rng(5);
    const texts = Array.from({ length: 400 }, () =>
      documentText(r, TAME_SCALARS, TAME_KEYS, { step: 1 + r.int(4), quote: 0.15, comments: true, sameIndentSeq: true }).replaceAll('\n', '\r\n'),
    );
    expect(expectAgreement(texts)).toBe(texts.length);
    // A CRLF document is the same value as its LF original, not merely one the full path agrees with.
    const lf = 'a: 1\nb:\n  - x y\n  - [p, q]\nc: {d: e} # note\n';
    expect(same(plainYamlValue(lf.replaceAll('\n', '\r\n'), MAX_DEPTH), plainYamlValue(lf, MAX_DEPTH))).toBe(true);
    // A CR last in the file is no line end to the `yaml` package (it reads `a: 1\r` as the string
    // "1\r"), so the fast path leaves it alone.
    expect(plainYamlValue('a: 1\r', MAX_DEPTH)).toBe(NOT_PLAIN);
    expect(plainYamlValue('a: 1\n\r', MAX_DEPTH)).toBe(NOT_PLAIN);
  });

  it('accepts plain scalars of Unicode letters, digits and marks, with the full path\'s value', () => {
    const words = ['\u00e9', 'na\u00efve', 'Gr\u00f6\u00dfe', '\u6771\u4eac', 'caf\u0065\u0301', '\u041c\u043e\u0441\u043a\u0432\u0430 2026', 'r\u00e8gle-\u00e9t\u00e9', '\u0663\u0664', '\u2167', '/\u00fcber/*'];
    const texts = words.flatMap((w) => [`k: ${w}\n`, `k: [a, ${w}]\n`, `k: {n: ${w}}\n`, `k:\n- ${w}\n`, `k:\n  - ${w} # c\n`]);
    expect(expectAgreement(texts)).toBe(texts.length);
    expect(plainYamlValue('name: Gr\u00f6\u00dfe\nrule: \u6771\u4eac\n', MAX_DEPTH)).toEqual({ name: 'Gr\u00f6\u00dfe', rule: '\u6771\u4eac' });
    // Digits of other scripts are strings, as in the core schema: only ASCII digits make numbers.
    expect(plainYamlValue('n: \u0663\u0664\n', MAX_DEPTH)).toEqual({ n: '\u0663\u0664' });
  });

  it('declines or agrees on mixed documents of non-ASCII scalars, CRLF and CR edits', () => {
    const r = rng(6);
    const scalars = [...TAME_SCALARS, '\u00e9', 'Gr\u00f6\u00dfe', '\u6771\u4eac', 'x\u00a0y', 'a\u2028b', '\u0301x', '\u{1f600}', 'e\u0301'];
    const texts = Array.from({ length: 1500 }, () => {
      const t = documentText(r, scalars, TAME_KEYS, { step: 1 + r.int(3), quote: 0.2, comments: true, sameIndentSeq: true });
      return r.chance(0.5) ? mutate(r, t.replaceAll('\n', '\r\n')) : mutate(r, t);
    });
    expect(expectAgreement(texts)).toBeGreaterThan(texts.length * 0.1);
  });

  it.each([
    ['a scalar document', 'just words\n'],
    ['a sequence document', '- a\n- b\n'],
    ['only comments', '# nothing\n  # here\n'],
    ['a second document', 'a: 1\n---\nb: 2\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['a multi-line plain scalar', 'a: one\n  two\n'],
    ['a continuation under a key', 'a:\n  words\n'],
    ['an anchor and alias', 'a: &x 1\nb: *x\n'],
    ['a block scalar', 'a: |\n  text\n'],
    ['a flow mapping holding a collection', 'a: {b: [1]}\n'],
    ['a flow sequence over two lines', 'a: [1,\n  2]\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a forbidden key', 'a:\n  __proto__: 1\n'],
    ['a numeric key', '80: http\n'],
    ['an escape in double quotes other than \\\\ \\" \\/ \\n \\t \\r', 'a: "\\u00e9"\n'],
    ['a doubled single quote', "a: 'it''s'\n"],
    ['a tab', 'a:\t1\n'],
    ['a lone CR inside a line', 'a: 1\rb: 2\n'],
    ['a CR before a CRLF', 'a: 1\r\r\nb: 2\n'],
    ['a no-break space in a scalar', 'a: x\u00a0y\n'],
    ['a no-break space ending a scalar (String#trim would drop it; YAML keeps it)', 'a: x\u00a0\n'],
    ['a line separator ending a flow item', 'a: [x\u2028]\n'],
    ['a line separator in a scalar', 'a: x\u2028y\n'],
    ['a next-line character in a scalar', 'a: x\u0085y\n'],
    ['a byte order mark in a scalar', 'a: x\ufeffy\n'],
    ['an emoji in a plain scalar', 'a: ok \u{1f600}\n'],
    ['a plain scalar starting with a combining mark', 'a: \u0301x\n'],
    ['a non-ASCII key', '\u00e9t\u00e9: 1\n'],
    ['a key at a stray indentation', 'a:\n    b: 1\n  c: 2\n'],
    ['a sequence entry among keys', 'a: 1\n- b\n'],
    ['a one-pair mapping in a flow sequence', 'a: [b:]\n'],
    ['nesting at maxDepth', 'a:\n b:\n  c:\n   d: 1\n'],
  ])('declines %s', (_what, text) => {
    const depth = text.startsWith('a:\n b:') ? 3 : MAX_DEPTH;
    expect(plainYamlValue(text, depth)).toBe(NOT_PLAIN);
  });

  it('reads the value of a typical config exactly', () => {
    const text = [
      '# gateway config',
      'trustedProxies:',
      '  - addresses: [127.0.0.1/32, "::1"]  # the local proxy',
      '    sets: nginx',
      'ip:',
      '  deny: [192.0.2.66, 2001:db8::/32]',
      '  denyFiles: []',
      'rules:',
      '- name: storm-v1',
      '  action: allow',
      '  weight: -0',
      '  ratio: .5',
      '  when: ~',
      "  path: '/admin # not a comment'",
      'limits:',
      '',
      'empty:',
    ].join('\n');
    const value = plainYamlValue(text, MAX_DEPTH);
    expect(same(value, {
      trustedProxies: [{ addresses: ['127.0.0.1/32', '::1'], sets: 'nginx' }],
      ip: { deny: ['192.0.2.66', '2001:db8::/32'], denyFiles: [] },
      rules: [{ name: 'storm-v1', action: 'allow', weight: -0, ratio: 0.5, when: null, path: '/admin # not a comment' }],
      limits: null,
      empty: null,
    })).toBe(true);
    expect(agrees(text)).toEqual({ accepted: true, ok: true });
  });

  it('takes the bundled gateway config and every good config fixture of the repository, with the full path\'s value', () => {
    const files = [path.join(REPO, 'apps/gateway/config/gateway.yaml')];
    const good = path.join(REPO, 'test/fixtures/config/good');
    for (const f of readdirSync(good, { withFileTypes: true })) if (f.isFile() && f.name.endsWith('.yaml')) files.push(path.join(good, f.name));
    const texts = files.map((f) => readFileSync(f, 'utf8'));
    expect(agrees(texts[0]!)).toEqual({ accepted: true, ok: true });
    expectAgreement(texts);
  });
});
