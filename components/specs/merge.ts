export type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep-merges `override` into `base` (objects merge, arrays and scalars replace); inputs are not mutated. */
export function deepMerge<T extends Plain>(base: T, override: Plain | undefined): T {
  if (!override) return base;
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlain(current) && isPlain(value) ? deepMerge(current, value) : value;
  }
  return out as T;
}

/** A per-child escape hatch: each function receives the spec the component built and returns the one to use. */
export type Overrides<Specs> = { [K in keyof Specs]?: (spec: Specs[K]) => Specs[K] };

export function applyOverride<Specs, K extends keyof Specs>(overrides: Overrides<Specs> | undefined, key: K, spec: Specs[K]): Specs[K] {
  const override = overrides?.[key];
  return override ? override(spec) : spec;
}
