/**
 * Cron schedules as KEDA's cron scaler reads them, and the windows they open over a week.
 *
 * KEDA v2.20 (pkg/scalers/cron_scaler.go) parses `start` and `end` with robfig/cron's
 * `cron.NewParser(Minute | Hour | Dom | Month | Dow)`: five fields, no seconds, no descriptors
 * (@daily); `*`, `?`, lists, ranges, steps and month/day names. Day-of-month and day-of-week follow
 * robfig's rule: when either field is `*` (or `?`) both must match, otherwise either may. A trigger is
 * active at time t when the next `end` after t comes before the next `start` after t — that is, from
 * a `start` until the next `end`, in the trigger's time zone.
 */

export class CronError extends Error {}

export interface CronSchedule {
  source: string;
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number>;
  months: Set<number>;
  daysOfWeek: Set<number>;
  /** robfig's star bit: the field was `*` or `?`. */
  domStar: boolean;
  dowStar: boolean;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

function parseField(field: string, name: string, min: number, max: number, names?: string[]): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  const star = field === "*" || field === "?";
  const value = (text: string): number => {
    const lower = text.toLowerCase();
    const named = names?.indexOf(lower) ?? -1;
    if (named >= 0) return named + (names === MONTHS ? 1 : 0);
    if (!/^\d+$/.test(text)) throw new CronError(`"${text}" is not a value of the ${name} field`);
    return Number(text);
  };
  for (const part of field.split(",")) {
    const [range, stepText] = part.split("/");
    if (range === undefined || range === "" || part.split("/").length > 2) throw new CronError(`"${part}" is not a ${name} expression`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(`step "${stepText}" of the ${name} field must be a whole number ≥ 1`);
    let lo: number;
    let hi: number;
    if (range === "*" || range === "?") {
      lo = min;
      hi = max;
    } else if (range.includes("-")) {
      const [a, b] = range.split("-");
      lo = value(a!);
      hi = value(b!);
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    // robfig accepts 7 for Sunday in the day-of-week field.
    if (names === DAYS && hi === 7) hi = 7;
    const limit = names === DAYS ? 7 : max;
    if (lo < min || hi > limit || lo > hi) throw new CronError(`${name} ${range} is outside ${min}–${max}`);
    for (let v = lo; v <= hi; v += step) values.add(names === DAYS ? v % 7 : v);
  }
  return { values, star };
}

/** Parses a 5-field cron expression as KEDA's cron scaler does; throws CronError naming the field. */
export function parseCron(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new CronError(
      `"${expression}" has ${fields.length} field(s); KEDA's cron scaler takes 5: minute hour day-of-month month day-of-week (e.g. "0 22 * * *")`,
    );
  }
  const [mi, h, dom, mo, dow] = fields as [string, string, string, string, string];
  const dayOfMonth = parseField(dom, "day-of-month", 1, 31);
  const dayOfWeek = parseField(dow, "day-of-week", 0, 6, DAYS);
  return {
    source: expression,
    minutes: parseField(mi, "minute", 0, 59).values,
    hours: parseField(h, "hour", 0, 23).values,
    daysOfMonth: dayOfMonth.values,
    months: parseField(mo, "month", 1, 12, MONTHS).values,
    daysOfWeek: dayOfWeek.values,
    domStar: dayOfMonth.star,
    dowStar: dayOfWeek.star,
  };
}

export interface LocalTime {
  minute: number;
  hour: number;
  day: number;
  month: number;
  weekday: number;
}

/** Whether the schedule fires at this local minute (robfig's day matching). */
export function cronMatches(s: CronSchedule, t: LocalTime): boolean {
  if (!s.minutes.has(t.minute) || !s.hours.has(t.hour) || !s.months.has(t.month)) return false;
  const dom = s.daysOfMonth.has(t.day);
  const dow = s.daysOfWeek.has(t.weekday);
  return s.domStar || s.dowStar ? dom && dow : dom || dow;
}

const WEEKDAY: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time in `timeZone` at a UTC instant. */
export function localTime(utcMs: number, timeZone: string): LocalTime {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  return { minute: Number(parts.minute), hour: Number(parts.hour), day: Number(parts.day), month: Number(parts.month), weekday: WEEKDAY[parts.weekday!]! };
}

export const MINUTES_PER_WEEK = 7 * 24 * 60;
/**
 * The weeks the windows are judged over (UTC, Monday 00:00): one in winter and one in summer, so
 * modes in time zones with different daylight-saving rules are checked both ways.
 */
export const REFERENCE_WEEKS_UTC = [Date.UTC(2026, 0, 5), Date.UTC(2026, 6, 6)];

export interface CronWindow {
  start: string;
  end: string;
  timezone: string;
}

/**
 * Per minute of the week starting at `weekStartUtc`, whether the window is active (KEDA's rule: the
 * latest `start` at or before the minute is later than the latest `end`). The week before is walked
 * too, so a window opened last Sunday night is open on Monday morning.
 */
const spans = new Map<string, LocalTime[]>();

/** Local times of every minute from a week before `weekStartUtc` to its end (cached per zone). */
function localSpan(weekStartUtc: number, timeZone: string): LocalTime[] {
  const key = `${timeZone}|${weekStartUtc}`;
  let span = spans.get(key);
  if (!span) {
    span = [];
    for (let m = -MINUTES_PER_WEEK; m < MINUTES_PER_WEEK; m++) span.push(localTime(weekStartUtc + m * 60_000, timeZone));
    spans.set(key, span);
  }
  return span;
}

export function activeMinutes(w: CronWindow, weekStartUtc: number): boolean[] {
  const start = parseCron(w.start);
  const end = parseCron(w.end);
  const active: boolean[] = new Array(MINUTES_PER_WEEK).fill(false);
  const span = localSpan(weekStartUtc, w.timezone);
  let open = false;
  for (let m = -MINUTES_PER_WEEK; m < MINUTES_PER_WEEK; m++) {
    const t = span[m + MINUTES_PER_WEEK]!;
    // A start and an end in the same minute: KEDA refuses identical expressions; an end wins the tie.
    if (cronMatches(start, t)) open = true;
    if (cronMatches(end, t)) open = false;
    if (m >= 0) active[m] = open;
  }
  return active;
}

/** "Mon 06:00" for a minute of the reference week (UTC). */
export function minuteLabel(minute: number): string {
  const day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][Math.floor(minute / 1440) % 7]!;
  const h = Math.floor((minute % 1440) / 60);
  const mm = minute % 60;
  return `${day} ${String(h).padStart(2, "0")}:${String(mm).padStart(2, "0")} UTC`;
}
