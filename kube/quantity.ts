/**
 * Kubernetes resource quantities ("500m", "8Gi", "1.5", "128974848") as numbers, so config
 * validation and the budget policies can add them up. Grammar from k8s.io/apimachinery
 * resource.Quantity: a decimal number followed by a binary (Ki..Ei), decimal (k..E) or milli suffix.
 */
const QUANTITY = /^([+]?[0-9]+(?:\.[0-9]+)?|[+]?\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;

const MULTIPLIER: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export const GiB = 2 ** 30;

/** Parses a quantity into its base unit (cores for CPU, bytes for memory/storage); undefined if malformed. */
export function parseQuantity(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = QUANTITY.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * MULTIPLIER[match[2] ?? ""]!;
}

/** Memory and storage must be whole bytes: "500m" bytes or "16GB" are mistakes, not quantities. */
export function parseByteQuantity(value: string | number): number | undefined {
  if (typeof value === "string" && /m$/.test(value.trim())) return undefined;
  const bytes = parseQuantity(value);
  return bytes !== undefined && Number.isInteger(Math.round(bytes * 1000) / 1000) ? bytes : undefined;
}

export function requireQuantity(value: string | number, what: string): number {
  const parsed = parseQuantity(value);
  if (parsed === undefined) throw new Error(`${what}: "${value}" is not a Kubernetes quantity`);
  return parsed;
}

export function formatGiB(bytes: number, digits = 1): string {
  return `${(bytes / GiB).toFixed(digits)} GiB`;
}
