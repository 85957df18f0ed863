import type { $ZodType } from 'zod/v4/core';
import type { ConfigPath } from './types.js';

/** A key of the document that no schema object at its place declares. */
export interface UnknownKey {
  /** Path of the key itself (parent path + key). */
  readonly path: ConfigPath;
  readonly key: string;
  /** Keys the schema does declare there, for a "did you mean" hint. */
  readonly known: readonly string[];
}

interface Def {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** What the schemas that may apply to one value accept, once wrappers are peeled off. */
interface Reach {
  readonly objects: { shape: Record<string, $ZodType>; catchall: $ZodType | undefined }[];
  readonly recordValues: $ZodType[];
  readonly elements: { element?: $ZodType; items?: readonly $ZodType[]; rest?: $ZodType | null }[];
  /** A schema here accepts anything (unknown, any, custom, transform): its keys cannot be judged. */
  open: boolean;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional', 'success']);
const OPEN = new Set(['any', 'unknown', 'custom', 'transform', 'promise', 'function']);

function defOf(schema: $ZodType): Def {
  return schema._zod.def as unknown as Def;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Peels wrappers, lazies, pipes, unions and intersections off the schemas that may apply to
 * `data`. Unions and intersections both contribute every member: a key is known if any member
 * declares it, so no valid config is ever refused; a discriminated union is narrowed to the
 * member its discriminator selects, so typos in the other members' keys are still caught there.
 */
function reach(schemas: readonly $ZodType[], data: unknown): Reach {
  const out: Reach = { objects: [], recordValues: [], elements: [], open: false };
  const seen = new Set<$ZodType>();
  const pending = [...schemas];
  while (pending.length > 0) {
    const schema = pending.pop()!;
    if (seen.has(schema)) continue;
    seen.add(schema);
    const def = defOf(schema);
    if (WRAPPERS.has(def.type)) pending.push(def['innerType'] as $ZodType);
    else if (def.type === 'lazy') pending.push((def['getter'] as () => $ZodType)());
    else if (def.type === 'pipe') {
      // The keys a user writes are the input side's; a preprocess input (a transform) is open.
      pending.push(def['in'] as $ZodType);
    } else if (def.type === 'intersection') pending.push(def['left'] as $ZodType, def['right'] as $ZodType);
    else if (def.type === 'union') pending.push(...unionMembers(schema, def, data));
    else if (def.type === 'object') {
      out.objects.push({ shape: def['shape'] as Record<string, $ZodType>, catchall: def['catchall'] as $ZodType | undefined });
    } else if (def.type === 'record') out.recordValues.push(def['valueType'] as $ZodType);
    else if (def.type === 'array') out.elements.push({ element: def['element'] as $ZodType });
    else if (def.type === 'tuple') out.elements.push({ items: def['items'] as $ZodType[], rest: def['rest'] as $ZodType | null });
    else if (OPEN.has(def.type)) out.open = true;
  }
  return out;
}

function unionMembers(schema: $ZodType, def: Def, data: unknown): readonly $ZodType[] {
  const options = def['options'] as readonly $ZodType[];
  const discriminator = def['discriminator'];
  if (typeof discriminator !== 'string' || !isPlainObject(data)) return options;
  const tag = data[discriminator];
  const chosen = options.filter((o) => o._zod.propValues?.[discriminator]?.has(tag as never) === true);
  // No member matches: zod reports the bad discriminator; judge keys against all members meanwhile.
  return chosen.length > 0 ? chosen : options;
}

/**
 * Unknown keys, found by walking the data beside the schema. zod's default object mode strips
 * unknown keys silently, so a typo like `alow:` would otherwise vanish without a word. Rather
 * than rewriting the user's schema into strict objects (which breaks intersections and turns
 * union errors into noise), every object the schema reaches is checked here, strict or not.
 * An object declared loose (z.looseObject / .passthrough()) or with a catchall, a record, or a
 * schema that accepts anything opts its place out.
 */
export function findUnknownKeys(schema: $ZodType, data: unknown): UnknownKey[] {
  const found: UnknownKey[] = [];
  const path: (string | number)[] = [];

  const walk = (schemas: readonly $ZodType[], value: unknown): void => {
    if (typeof value !== 'object' || value === null || schemas.length === 0) return;
    const r = reach(schemas, value);
    if (r.open) return;
    if (Array.isArray(value)) {
      if (r.elements.length === 0) return;
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (typeof item !== 'object' || item === null) continue;
        const next: $ZodType[] = [];
        for (const e of r.elements) {
          const s = e.element ?? e.items?.[i] ?? e.rest ?? undefined;
          if (s) next.push(s);
        }
        path.push(i);
        walk(next, item);
        path.pop();
      }
      return;
    }
    if (r.objects.length === 0 && r.recordValues.length === 0) return;
    const extras: $ZodType[] = [...r.recordValues];
    for (const o of r.objects) if (o.catchall !== undefined && defOf(o.catchall).type !== 'never') extras.push(o.catchall);
    for (const key of Object.keys(value)) {
      const next: $ZodType[] = [];
      for (const o of r.objects) if (Object.hasOwn(o.shape, key)) next.push(o.shape[key]!);
      if (next.length === 0) {
        if (extras.length === 0) {
          found.push({ path: [...path, key], key, known: [...new Set(r.objects.flatMap((o) => Object.keys(o.shape)))] });
          continue;
        }
        next.push(...extras);
      }
      path.push(key);
      walk(next, (value as Record<string, unknown>)[key]);
      path.pop();
    }
  };

  walk([schema], data);
  return found;
}

const strictCache = new WeakMap<$ZodType, boolean>();

/**
 * Whether zod itself refuses every key findUnknownKeys would report: every object the schema
 * reaches is strict (or has a catchall), and no wrapper turns a refusal into success (`catch`,
 * `success`). Then a value zod accepted has no unknown keys, and the walk can be skipped; it
 * still runs when zod refuses, for its "did you mean" hints. Computed once per schema.
 */
export function strictEverywhere(schema: $ZodType): boolean {
  let known = strictCache.get(schema);
  if (known === undefined) {
    known = strictFrom(schema);
    strictCache.set(schema, known);
  }
  return known;
}

function strictFrom(root: $ZodType): boolean {
  const seen = new Set<$ZodType>();
  const pending = [root];
  while (pending.length > 0) {
    const schema = pending.pop()!;
    if (seen.has(schema)) continue;
    seen.add(schema);
    const def = defOf(schema);
    switch (def.type) {
      case 'catch':
      case 'success':
        return false;
      case 'object': {
        if (def['catchall'] === undefined) return false; // zod strips unknown keys: only the walk sees them
        pending.push(...Object.values(def['shape'] as Record<string, $ZodType>), def['catchall'] as $ZodType);
        break;
      }
      case 'lazy':
        pending.push((def['getter'] as () => $ZodType)());
        break;
      case 'pipe':
        pending.push(def['in'] as $ZodType);
        break;
      case 'intersection':
        pending.push(def['left'] as $ZodType, def['right'] as $ZodType);
        break;
      case 'union':
        pending.push(...(def['options'] as readonly $ZodType[]));
        break;
      case 'record':
        pending.push(def['valueType'] as $ZodType);
        break;
      case 'array':
        pending.push(def['element'] as $ZodType);
        break;
      case 'tuple':
        pending.push(...(def['items'] as $ZodType[]));
        if (def['rest'] != null) pending.push(def['rest'] as $ZodType);
        break;
      default:
        if (WRAPPERS.has(def.type)) pending.push(def['innerType'] as $ZodType);
    }
  }
  return true;
}
