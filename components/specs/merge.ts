export type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Deep-merges `override` into `base` (plain objects merge, arrays and scalars replace); inputs are not mutated. */
export function deepMerge<T extends object>(base: T, override: Plain | undefined): T {
  if (!override) return base;
  const out: Plain = { ...(base as Plain) };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlain(current) && isPlain(value) ? deepMerge(current, value) : value;
  }
  return out as T;
}

/**
 * A per-child escape hatch: a partial of the child's args, deep-merged into the spec the component
 * built (objects merge, arrays and scalars replace). Plain data, so multi-language SDKs can pass it.
 */
export type ChildOverride = { [key: string]: any };

export function withOverride<T extends object>(spec: T, override: ChildOverride | undefined): T {
  return deepMerge(spec, override);
}
