/**
 * Parsers for values that reach rendered objects as strings another system reads: Kubernetes CronJob
 * schedules, LiteLLM budget durations, Go durations (External Secrets), HTTP(S) URLs. Each returns the
 * reason a value is refused (undefined when it is accepted), so schema errors can say what is wrong.
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** The five fields of a standard cron line, as Kubernetes' CronJob controller (robfig/cron's standard parser) reads them. */
const CRON_FIELDS: CronField[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  // robfig/cron's bounds are 0-6 (Sunday is 0): "7" is refused, unlike Vixie cron.
  { name: "day of week", min: 0, max: 6, names: DAYS },
];

/** Descriptors Kubernetes CronJobs accept besides five fields (`@reboot` and `@every` are not among them). */
const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

function cronValue(field: CronField, text: string): number | string {
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index >= 0) return field.name === "month" ? index + 1 : index;
  if (!/^\d+$/.test(text)) return `${field.name} "${text}" is not a number${field.names ? ` or a name (${field.names.join(", ")})` : ""}`;
  const n = Number(text);
  if (n < field.min || n > field.max) return `${field.name} "${text}" is outside ${field.min}-${field.max}`;
  return n;
}

function cronFieldProblem(field: CronField, text: string): string | undefined {
  for (const part of text.split(",")) {
    if (part === "") return `${field.name} "${text}" has an empty list item`;
    const [range, step, extra] = part.split("/");
    if (extra !== undefined) return `${field.name} "${part}" has more than one "/"`;
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) === 0)) return `${field.name} step "${step}" must be a whole number above 0`;
    if (range === "*" || range === "?") continue;
    const bounds = range!.split("-");
    if (bounds.length > 2) return `${field.name} range "${range}" has more than one "-"`;
    const values = bounds.map((b) => cronValue(field, b));
    const problem = values.find((v): v is string => typeof v === "string");
    if (problem) return problem;
    if (values.length === 2 && (values[0] as number) > (values[1] as number)) return `${field.name} range "${range}" runs backwards`;
  }
  return undefined;
}

/** Why a CronJob schedule is invalid, or undefined. Time zones go in the CronJob's timeZone field, not in the schedule. */
export function cronProblem(schedule: string): string | undefined {
  const trimmed = schedule.trim();
  if (/^(CRON_)?TZ=/.test(trimmed)) return "a time zone prefix (TZ=...) is not allowed in the schedule; Kubernetes takes it in the CronJob's timeZone field";
  if (trimmed.startsWith("@")) return CRON_MACROS.includes(trimmed) ? undefined : `"${trimmed}" is not one of ${CRON_MACROS.join(", ")}`;
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5)
    return `has ${fields.length} field${fields.length === 1 ? "" : "s"}; a schedule has five: minute hour day-of-month month day-of-week`;
  for (const [i, field] of CRON_FIELDS.entries()) {
    const problem = cronFieldProblem(field, fields[i]!);
    if (problem) return problem;
  }
  return undefined;
}

const LITELLM_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, mo: 2592000 };

/** Seconds in a LiteLLM duration (`budget_duration`, key `duration`): a whole number and s, m, h, d, w or mo. */
export function litellmDurationSeconds(text: string): number | undefined {
  const m = /^(\d+)(s|m|h|d|w|mo)$/.exec(text);
  if (!m || Number(m[1]) === 0) return undefined;
  return Number(m[1]) * LITELLM_UNITS[m[2]!]!;
}

const GO_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Seconds in a Go duration (`1h`, `30m`, `1h30m`, `0`), as External Secrets parses refreshInterval. */
export function goDurationSeconds(text: string): number | undefined {
  if (text === "0") return 0;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(part[1]) * GO_UNITS[part[2]!]!;
  return total;
}

/** Why a URL is not an HTTP(S) base URL a client can call (scheme, host, port), or undefined. */
export function httpUrlProblem(text: string, schemes: string[] = ["http", "https"]): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) return `"${text}" has no scheme: write ${schemes.map((s) => `${s}://host[:port]`).join(" or ")}`;
  if (!schemes.includes(scheme)) return `"${text}" uses ${scheme}://; use ${schemes.map((s) => `${s}://`).join(" or ")}`;
  const port = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/@]*@)?(\[[^\]]*\]|[^/:?#]*)(?::([^/?#]*))?/i.exec(text);
  if (!port || port[1] === "") return `"${text}" has no host`;
  if (port[2] !== undefined && !(/^\d{1,5}$/.test(port[2]) && Number(port[2]) >= 1 && Number(port[2]) <= 65535))
    return `"${text}" has port "${port[2]}"; a port is a number from 1 to 65535`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL`;
  }
  if (url.username || url.password) return `"${text}" carries credentials; keep them out of URLs`;
  if (url.search || url.hash) return `"${text}" has a query or fragment; give a base URL`;
  return undefined;
}

/** The port a client connects to for an HTTP(S) URL (explicit, else the scheme's default). */
export function urlPort(text: string): number {
  const url = new URL(text);
  return Number(url.port || (url.protocol === "https:" ? 443 : 80));
}
