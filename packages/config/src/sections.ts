import { $ZodAsyncError, type $ZodType, safeParse } from 'zod/v4/core';

/**
 * Section reuse (ConfigDefinition.reuseUnchangedSections): a reload that changed one top-level
 * section of the config validates that section only. Every other top-level key whose input is
 * the same as in the last good load keeps that load's validated value, the very same object, so
 * a compile step can also keep what it built from it (the gateway does, compile.ts).
 *
 * Rules:
 * - Only for a schema that is a plain zod object at the top (z.object or z.strictObject) with no
 *   checks of its own (an object-level refine sees the whole value, so it always runs in full).
 * - Inputs are compared as YAML data: same type, same keys in the same order, same values.
 * - A changed or new key is validated with its own schema from the shape. A key that is gone
 *   since the last load, a key the shape does not know, any failure and any asynchronous schema
 *   fall back to validating the whole value, which also locates every problem as before.
 * - The memo changes only with a load that succeeded (SectionMemo is committed with the list
 *   cache), so a reused value is always one a good generation was built from.
 * - A reused value is shared between loads: the compile step must not mutate its input, and a
 *   default computed by a function (`.default(() => ...)`) is not computed again for an
 *   unchanged section. That is why a definition opts in.
 */

/** The last good load's top-level sections: each present key's input, and the validated object. */
export interface SectionMemo {
  readonly schema: $ZodType;
  readonly input: ReadonlyMap<string, unknown>;
  readonly output: Readonly<Record<string, unknown>>;
}

interface ObjectDef {
  readonly type: string;
  readonly shape: Record<string, $ZodType>;
  readonly catchall?: $ZodType;
  readonly checks?: readonly unknown[];
}

const defOf = (schema: $ZodType): ObjectDef => (schema as unknown as { _zod: { def: ObjectDef } })._zod.def;

const shapes = new WeakMap<$ZodType, Record<string, $ZodType> | null>();

/** The shape of a schema section reuse applies to, or undefined. Decided once per schema. */
export function sectionShape(schema: $ZodType): Record<string, $ZodType> | undefined {
  let shape = shapes.get(schema);
  if (shape === undefined) {
    const def = defOf(schema);
    const plain = def.type === 'object' && (def.checks?.length ?? 0) === 0 && (def.catchall === undefined || defOf(def.catchall).type === 'never');
    shape = plain ? def.shape : null;
    shapes.set(schema, shape);
  }
  return shape ?? undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** Equal as YAML data: arrays and plain objects compared by content (keys in order), the rest by Object.is. */
export function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !sameData(a[k], b[k])) return false;
  }
  return true;
}

/** What validateSections gives: the validated object and how many keys it took from the memo. */
export interface SectionResult {
  readonly data: Record<string, unknown>;
  readonly reused: number;
}

/**
 * The schema's output for `value` built section by section against `memo`, or undefined when
 * the whole value has to be validated instead (see the rules above).
 */
export function validateSections(schema: $ZodType, value: unknown, memo: SectionMemo | undefined): SectionResult | undefined {
  const shape = sectionShape(schema);
  if (shape === undefined || memo === undefined || memo.schema !== schema || !isRecord(value)) return undefined;
  for (const key of Object.keys(value)) if (!Object.hasOwn(shape, key)) return undefined;
  const data: Record<string, unknown> = {};
  let reused = 0;
  for (const key of Object.keys(shape)) {
    const present = Object.hasOwn(value, key);
    const before = memo.input.has(key);
    if (present === before && (!present || sameData(value[key], memo.input.get(key)))) {
      if (Object.hasOwn(memo.output, key)) data[key] = memo.output[key];
      reused++;
      continue;
    }
    if (!present) return undefined; // gone since the last load: what zod makes of an absent key is the whole parse's business
    let result: ReturnType<typeof safeParse>;
    try {
      result = safeParse(shape[key]!, value[key]);
    } catch (err) {
      if (err instanceof $ZodAsyncError) return undefined;
      throw err;
    }
    if (!result.success) return undefined;
    data[key] = result.data;
  }
  return { data, reused };
}

/** The memo a successful load leaves, or undefined when the schema or the value does not allow reuse. */
export function sectionMemo(schema: $ZodType, value: unknown, output: unknown): SectionMemo | undefined {
  if (sectionShape(schema) === undefined || !isRecord(value) || !isRecord(output)) return undefined;
  return { schema, input: new Map(Object.entries(value)), output };
}
