// US equity trading calendar (NYSE/Nasdaq): full-day closures and half days by name, which dates a daily bar can exist for.

const DAY_MS = 86_400_000;

/** A date the market does not open, or closes early, with the reason the exchange gives. */
export interface MarketDay {
  date: string;
  name: string;
}

/**
 * One-off closures the rule-based holidays cannot predict (national days of mourning, attacks, storms): a fixed
 * list of those since 2000, so a future one needs a line here.
 */
const SPECIAL_CLOSURES: readonly MarketDay[] = [
  { date: "2001-09-11", name: "September 11 attacks" },
  { date: "2001-09-12", name: "September 11 attacks" },
  { date: "2001-09-13", name: "September 11 attacks" },
  { date: "2001-09-14", name: "September 11 attacks" },
  { date: "2004-06-11", name: "National Day of Mourning for President Ronald Reagan" },
  { date: "2007-01-02", name: "National Day of Mourning for President Gerald R. Ford" },
  { date: "2012-10-29", name: "Hurricane Sandy" },
  { date: "2012-10-30", name: "Hurricane Sandy" },
  { date: "2018-12-05", name: "National Day of Mourning for President George H. W. Bush" },
  { date: "2025-01-09", name: "National Day of Mourning for President Jimmy Carter" },
];

const iso = (year: number, month: number, day: number) =>
  new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);

const weekdayOf = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();
const isWeekend = (date: string) => {
  const dow = weekdayOf(date);
  return dow === 0 || dow === 6;
};

/** The n-th (1-based) `weekday` (0 = Sunday) of a month; n = -1 means the last one. */
export function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  if (n > 0) {
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    return iso(year, month, 1 + ((weekday - first + 7) % 7) + (n - 1) * 7);
  }
  const lastDay = new Date(Date.UTC(year, month, 0));
  const back = (lastDay.getUTCDay() - weekday + 7) % 7;
  return iso(year, month, lastDay.getUTCDate() - back);
}

/** Gregorian Easter Sunday (anonymous algorithm); Good Friday is two days before. */
function easter(year: number): { month: number; day: number } {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { month, day };
}

/**
 * A fixed-date holiday moves to Friday when it falls on Saturday and to Monday when on Sunday (then its name says
 * "observed").
 */
function observed(year: number, month: number, day: number, name: string): MarketDay | null {
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  // NYSE does not close the Friday before a Saturday New Year's Day: that Friday ends the prior year.
  if (dow === 6)
    return month === 1 && day === 1 ? null : { date: iso(year, month, day - 1), name: `${name} (observed)` };
  if (dow === 0) return { date: iso(year, month, day + 1), name: `${name} (observed)` };
  return { date: iso(year, month, day), name };
}

const holidayListCache = new Map<number, readonly MarketDay[]>();
const holidayCache = new Map<number, Set<string>>();

/**
 * Full-day market holidays of one year with their names, ascending: only days the market would otherwise have
 * opened (every rule lands on a weekday; a Saturday New Year's Day is no holiday at all).
 */
export function marketHolidayList(year: number): readonly MarketDay[] {
  const hit = holidayListCache.get(year);
  if (hit) return hit;
  const e = easter(year);
  const goodFriday = new Date(Date.UTC(year, e.month - 1, e.day) - 2 * DAY_MS).toISOString().slice(0, 10);
  const days: Array<MarketDay | null> = [
    observed(year, 1, 1, "New Year's Day"),
    { date: nthWeekday(year, 1, 1, 3), name: "Martin Luther King Jr. Day" },
    { date: nthWeekday(year, 2, 1, 3), name: "Washington's Birthday" },
    { date: goodFriday, name: "Good Friday" },
    { date: nthWeekday(year, 5, 1, -1), name: "Memorial Day" },
    // Observed by the exchanges from 2022.
    year >= 2022 ? observed(year, 6, 19, "Juneteenth National Independence Day") : null,
    observed(year, 7, 4, "Independence Day"),
    { date: nthWeekday(year, 9, 1, 1), name: "Labor Day" },
    { date: thanksgiving(year), name: "Thanksgiving Day" },
    observed(year, 12, 25, "Christmas Day"),
    ...SPECIAL_CLOSURES.filter((d) => d.date.startsWith(`${year}-`)),
  ];
  const list = days
    .filter((d): d is MarketDay => d !== null && !isWeekend(d.date))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  holidayListCache.set(year, list);
  return list;
}

/** Full-day market holidays of one year. */
export function marketHolidays(year: number): Set<string> {
  const hit = holidayCache.get(year);
  if (hit) return hit;
  const set = new Set(marketHolidayList(year).map((d) => d.date));
  holidayCache.set(year, set);
  return set;
}

/** The fourth Thursday of November. */
function thanksgiving(year: number): string {
  return nthWeekday(year, 11, 4, 4);
}

/**
 * Half days (the regular session closes at 13:00 New York) of one year, ascending: July 3 and December 24 when each
 * is a trading day, and the day after Thanksgiving. The rules of today's NYSE calendar (stable since 2010); older
 * years had other half days that are not modelled.
 */
export function marketEarlyCloses(year: number): readonly MarketDay[] {
  const hit = earlyCloseCache.get(year);
  if (hit) return hit;
  const dayAfterThanksgiving = new Date(Date.parse(`${thanksgiving(year)}T00:00:00Z`) + DAY_MS)
    .toISOString()
    .slice(0, 10);
  const list = [
    { date: iso(year, 7, 3), name: "Day before Independence Day" },
    { date: dayAfterThanksgiving, name: "Day after Thanksgiving" },
    { date: iso(year, 12, 24), name: "Christmas Eve" },
  ].filter((d) => isTradingDay(d.date));
  earlyCloseCache.set(year, list);
  return list;
}

/** Computed once per year, like the holidays: every session close (orders, the quotes cron) asks for them. */
const earlyCloseCache = new Map<number, readonly MarketDay[]>();

/** The reason `date` is a half day, or null when its session (if any) runs to 16:00. */
export function earlyCloseOf(date: string): string | null {
  const year = Number(date.slice(0, 4));
  if (!Number.isInteger(year)) return null;
  return marketEarlyCloses(year).find((d) => d.date === date)?.name ?? null;
}

/** Whether US equity markets hold a regular session on `date` ('YYYY-MM-DD'). */
export function isTradingDay(date: string): boolean {
  const t = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(t)) return false;
  const dow = new Date(t).getUTCDay();
  if (dow === 0 || dow === 6) return false;
  return !marketHolidays(Number(date.slice(0, 4))).has(date);
}

/** Every trading day in [start, end], ascending ('YYYY-MM-DD', both ends inclusive). */
export function tradingDays(start: string, end: string): string[] {
  const from = Date.parse(`${start}T00:00:00Z`);
  const to = Date.parse(`${end}T00:00:00Z`);
  const out: string[] = [];
  if (Number.isNaN(from) || Number.isNaN(to)) return out;
  for (let t = from; t <= to; t += DAY_MS) {
    const dow = new Date(t).getUTCDay();
    if (dow === 0 || dow === 6) continue;
    const date = new Date(t).toISOString().slice(0, 10);
    if (!marketHolidays(Number(date.slice(0, 4))).has(date)) out.push(date);
  }
  return out;
}

/** The last trading day strictly before `date` ('YYYY-MM-DD'). */
export function previousTradingDay(date: string): string {
  let t = Date.parse(`${date}T00:00:00Z`) - DAY_MS;
  while (!isTradingDay(new Date(t).toISOString().slice(0, 10))) t -= DAY_MS;
  return new Date(t).toISOString().slice(0, 10);
}

/** The years the calendar answers for (the holiday rules and the fixed list of closures hold for them). */
export const CALENDAR_FIRST_DAY = "2000-01-01";
export const CALENDAR_LAST_DAY = "2100-12-31";
/** The longest range one calendar answer covers (end − start, in days): ten years and change. */
export const MAX_CALENDAR_SPAN_DAYS = 3660;
/** Without an `end`, the calendar covers this many days after `start`. */
export const DEFAULT_CALENDAR_SPAN_DAYS = 365;

export type CalendarWindow =
  | { ok: true; start: string; end: string }
  | { ok: false; path: "start" | "end"; message: string };

const daysBetween = (a: string, b: string) => (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS;

/**
 * The range a calendar request asks for: `start` defaults to `today`, `end` to `start` + 365 days (kept within the
 * supported years); an end before the start, or a range longer than 3,660 days, is refused naming `end`. Both
 * dates are well-formed and within the supported years already (the request schema checks each alone).
 */
export function calendarWindow(query: { start?: string; end?: string }, today: string): CalendarWindow {
  const start = query.start ?? today;
  if (start < CALENDAR_FIRST_DAY || start > CALENDAR_LAST_DAY)
    return { ok: false, path: "start", message: `must be between ${CALENDAR_FIRST_DAY} and ${CALENDAR_LAST_DAY}` };
  let end = query.end;
  if (end === undefined) {
    const byDefault = new Date(Date.parse(`${start}T00:00:00Z`) + DEFAULT_CALENDAR_SPAN_DAYS * DAY_MS)
      .toISOString()
      .slice(0, 10);
    end = byDefault > CALENDAR_LAST_DAY ? CALENDAR_LAST_DAY : byDefault;
  }
  if (end < start)
    return {
      ok: false,
      path: "end",
      message: `must not be before start (${start}${query.start === undefined ? ", today by default" : ""})`,
    };
  if (daysBetween(start, end) > MAX_CALENDAR_SPAN_DAYS)
    return { ok: false, path: "end", message: `must be at most ${MAX_CALENDAR_SPAN_DAYS} days after start` };
  return { ok: true, start, end };
}

/** `[start, end]` cut into consecutive inclusive windows of at most `days` calendar days, oldest first. */
export function dateWindows(start: string, end: string, days: number): Array<[string, string]> {
  const DAY = 86_400_000;
  const last = Date.parse(`${end}T00:00:00Z`);
  const windows: Array<[string, string]> = [];
  for (let from = Date.parse(`${start}T00:00:00Z`); from <= last; from += days * DAY) {
    const to = Math.min(from + (days - 1) * DAY, last);
    windows.push([new Date(from).toISOString().slice(0, 10), new Date(to).toISOString().slice(0, 10)]);
  }
  return windows.length ? windows : [[start, end]];
}

/**
 * Which days an asset trades on: `exchange` (weekdays less exchange holidays: equities, ETFs, indexes) or
 * `continuous` (every calendar day: crypto; FX too, whose vendors also stamp weekend bars).
 */
export type SessionCalendar = "exchange" | "continuous";

export function sessionCalendarOf(assetClass: string): SessionCalendar {
  return assetClass === "crypto" || assetClass === "fx" ? "continuous" : "exchange";
}

/**
 * The longest date window (calendar days) whose bars fit in one 5,000-bar answer, with slack for the extra bar an
 * exclusive end date brings: 6,500 weekday-calendar days hold at most 4,644 bars; a continuous market has a bar
 * every day, so its window is 4,900 days.
 */
export function historyWindowDays(calendar: SessionCalendar): number {
  return calendar === "continuous" ? 4900 : 6500;
}
