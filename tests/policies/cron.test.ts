import { strict as assert } from "node:assert";
import { activeMinutes, cronMatches, CronError, localTime, minuteLabel, MINUTES_PER_WEEK, parseCron, REFERENCE_WEEKS_UTC } from "../../policies/cron";

/**
 * KEDA's cron scaler fields (robfig/cron's standard parser, which KEDA's cron scaler uses): each field's
 * bounds exactly, names, ranges, steps, the day-of-month / day-of-week union, and the windows a
 * start/end pair opens over a reference week (#23). Expected sets are written out from the cron syntax.
 */
const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
const range = (lo: number, hi: number, step = 1) => Array.from({ length: Math.floor((hi - lo) / step) + 1 }, (_, i) => lo + i * step);

describe("cron fields of serving modes (#23)", () => {
  it("parses each field at its bounds and refuses one past them, naming the field", () => {
    const s = parseCron("0 0 1 1 0");
    assert.deepEqual([sorted(s.minutes), sorted(s.hours), sorted(s.daysOfMonth), sorted(s.months), sorted(s.daysOfWeek)], [[0], [0], [1], [1], [0]]);
    const top = parseCron("59 23 31 12 6");
    assert.deepEqual(
      [sorted(top.minutes), sorted(top.hours), sorted(top.daysOfMonth), sorted(top.months), sorted(top.daysOfWeek)],
      [[59], [23], [31], [12], [6]],
    );
    assert.throws(() => parseCron("60 0 1 1 0"), new CronError("minute 60 is outside 0–59"));
    assert.throws(() => parseCron("0 24 1 1 0"), new CronError("hour 24 is outside 0–23"));
    assert.throws(() => parseCron("0 0 0 1 0"), new CronError("day-of-month 0 is outside 1–31"));
    assert.throws(() => parseCron("0 0 32 1 0"), new CronError("day-of-month 32 is outside 1–31"));
    assert.throws(() => parseCron("0 0 1 0 0"), new CronError("month 0 is outside 1–12"));
    assert.throws(() => parseCron("0 0 1 13 0"), new CronError("month 13 is outside 1–12"));
    assert.throws(() => parseCron("0 0 1 1 8"), new CronError("day-of-week 8 is outside 0–6"));
    assert.throws(() => parseCron("0 0 1 1 5-3"), new CronError("day-of-week 5-3 is outside 0–6"));
  });

  it("reads 7 as Sunday, names of months and days in any case", () => {
    assert.deepEqual(sorted(parseCron("0 0 * * 7").daysOfWeek), [0]);
    assert.deepEqual(sorted(parseCron("0 0 * * 5-7").daysOfWeek), [0, 5, 6]);
    assert.deepEqual(sorted(parseCron("0 0 * JAN,dec MON-fri").months), [1, 12]);
    assert.deepEqual(sorted(parseCron("0 0 * * MON-fri").daysOfWeek), [1, 2, 3, 4, 5]);
    assert.deepEqual(sorted(parseCron("0 0 * mar sun").months), [3]);
    assert.deepEqual(sorted(parseCron("0 0 * * sun").daysOfWeek), [0]);
  });

  it("expands *, ?, ranges, lists and steps", () => {
    assert.deepEqual(sorted(parseCron("* * * * *").minutes), range(0, 59));
    assert.deepEqual(sorted(parseCron("*/15 * * * *").minutes), [0, 15, 30, 45]);
    assert.deepEqual(sorted(parseCron("5/20 * * * *").minutes), [5, 25, 45]);
    assert.deepEqual(sorted(parseCron("10-20/5 * * * *").minutes), [10, 15, 20]);
    assert.deepEqual(sorted(parseCron("1,2,40-42 * * * *").minutes), [1, 2, 40, 41, 42]);
    assert.deepEqual(sorted(parseCron("0 */6 * * *").hours), [0, 6, 12, 18]);
    assert.deepEqual(sorted(parseCron("0 0 ? * *").daysOfMonth), range(1, 31));
    const stars = parseCron("0 0 * * ?");
    assert.deepEqual([stars.domStar, stars.dowStar], [true, true]);
    const neither = parseCron("0 0 1 * 1");
    assert.deepEqual([neither.domStar, neither.dowStar], [false, false]);
  });

  it("refuses malformed fields with the reason", () => {
    assert.throws(
      () => parseCron("0 22 * *"),
      new CronError(`"0 22 * *" has 4 field(s); KEDA's cron scaler takes 5: minute hour day-of-month month day-of-week (e.g. "0 22 * * *")`),
    );
    assert.throws(() => parseCron("0 22 * * * *"), /has 6 field\(s\)/);
    assert.throws(() => parseCron("x 22 * * *"), new CronError(`"x" is not a value of the minute field`));
    assert.throws(() => parseCron("0 22 * foo *"), new CronError(`"foo" is not a value of the month field`));
    assert.throws(() => parseCron("0 22 1,,2 * *"), new CronError(`"" is not a day-of-month expression`));
    assert.throws(() => parseCron("0/5/2 22 * * *"), new CronError(`"0/5/2" is not a minute expression`));
    assert.throws(() => parseCron("*/0 22 * * *"), new CronError(`step "0" of the minute field must be a whole number ≥ 1`));
    assert.throws(() => parseCron("*/1.5 22 * * *"), new CronError(`step "1.5" of the minute field must be a whole number ≥ 1`));
    // Surrounding and repeated blanks separate fields.
    assert.deepEqual(sorted(parseCron("  0   22 * * *  ").hours), [22]);
  });

  it("matches day-of-month OR day-of-week when both are restricted, AND when either is *", () => {
    const t = { minute: 0, hour: 0, day: 15, month: 6, weekday: 3 };
    assert.equal(cronMatches(parseCron("0 0 15 * 1"), t), true, "the 15th, a Wednesday: day-of-month matches");
    assert.equal(cronMatches(parseCron("0 0 1 * 3"), t), true, "day-of-week matches");
    assert.equal(cronMatches(parseCron("0 0 1 * 1"), t), false);
    assert.equal(cronMatches(parseCron("0 0 * * 1"), t), false, "day-of-month * : only day-of-week decides");
    assert.equal(cronMatches(parseCron("0 0 1 * *"), t), false, "day-of-week * : only day-of-month decides");
    assert.equal(cronMatches(parseCron("0 0 15 * *"), t), true);
    assert.equal(cronMatches(parseCron("1 0 15 * *"), t), false, "minute");
    assert.equal(cronMatches(parseCron("0 1 15 * *"), t), false, "hour");
    assert.equal(cronMatches(parseCron("0 0 15 7 *"), t), false, "month");
  });

  it("reads local time in the window's zone", () => {
    // 2026-01-05 is a Monday; 23:30 UTC is 00:30 on Tuesday in Berlin (UTC+1 in winter).
    assert.deepEqual(localTime(Date.UTC(2026, 0, 5, 23, 30), "Europe/Berlin"), { minute: 30, hour: 0, day: 6, month: 1, weekday: 2 });
    assert.deepEqual(localTime(Date.UTC(2026, 6, 12, 0, 0), "UTC"), { minute: 0, hour: 0, day: 12, month: 7, weekday: 0 });
  });

  it("opens a window at its start and closes it at its end, across midnight and the week's wrap", () => {
    const [winter] = REFERENCE_WEEKS_UTC;
    // 22:00 → 06:00 UTC every day: 8 h a day, on at Monday 00:00 (opened Sunday 22:00 of the week before).
    const night = activeMinutes({ start: "0 22 * * *", end: "0 6 * * *", timezone: "UTC" }, winter!);
    assert.equal(night.length, MINUTES_PER_WEEK);
    assert.equal(night.filter(Boolean).length, 7 * 8 * 60);
    assert.deepEqual([night[0], night[6 * 60 - 1], night[6 * 60], night[22 * 60 - 1], night[22 * 60]], [true, true, false, false, true]);
    // An end in the same minute as a start closes the window.
    const tie = activeMinutes({ start: "0 12 * * *", end: "0 12 * * *", timezone: "UTC" }, winter!);
    assert.equal(tie.filter(Boolean).length, 0);
    // Berlin (UTC+1 in January): 08:00–20:00 local is 07:00–19:00 UTC.
    const day = activeMinutes({ start: "0 8 * * *", end: "0 20 * * *", timezone: "Europe/Berlin" }, winter!);
    assert.deepEqual([day[7 * 60 - 1], day[7 * 60], day[19 * 60 - 1], day[19 * 60]], [false, true, true, false]);
  });

  it("labels minutes of the reference week", () => {
    assert.equal(minuteLabel(0), "Mon 00:00 UTC");
    assert.equal(minuteLabel(1440 + 9 * 60 + 5), "Tue 09:05 UTC");
    assert.equal(minuteLabel(MINUTES_PER_WEEK - 1), "Sun 23:59 UTC");
  });
});
