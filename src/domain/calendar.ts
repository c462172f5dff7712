// US equity trading calendar (NYSE/Nasdaq full-day closures): which dates a daily bar can exist for.

const DAY_MS = 86_400_000;

/** One-off closures the rule-based holidays cannot predict (national days of mourning, storms). */
const SPECIAL_CLOSURES = ["2012-10-29", "2012-10-30", "2018-12-05", "2025-01-09"];

const iso = (year: number, month: number, day: number) =>
  new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);

/** The n-th (1-based) `weekday` (0 = Sunday) of a month; n = -1 means the last one. */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
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

/** A fixed-date holiday moves to Friday when it falls on Saturday and to Monday when on Sunday. */
function observed(year: number, month: number, day: number): string | null {
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  // NYSE does not close the Friday before a Saturday New Year's Day: that Friday ends the prior year.
  if (dow === 6) return month === 1 && day === 1 ? null : iso(year, month, day - 1);
  if (dow === 0) return iso(year, month, day + 1);
  return iso(year, month, day);
}

const holidayCache = new Map<number, Set<string>>();

/** Full-day market holidays of one year. */
export function marketHolidays(year: number): Set<string> {
  const hit = holidayCache.get(year);
  if (hit) return hit;
  const e = easter(year);
  const goodFriday = new Date(Date.UTC(year, e.month - 1, e.day) - 2 * DAY_MS).toISOString().slice(0, 10);
  const days = [
    observed(year, 1, 1),
    nthWeekday(year, 1, 1, 3), // Martin Luther King Jr. Day
    nthWeekday(year, 2, 1, 3), // Washington's Birthday
    goodFriday,
    nthWeekday(year, 5, 1, -1), // Memorial Day
    year >= 2022 ? observed(year, 6, 19) : null, // Juneteenth, observed by the exchanges from 2022
    observed(year, 7, 4),
    nthWeekday(year, 9, 1, 1), // Labor Day
    nthWeekday(year, 11, 4, 4), // Thanksgiving
    observed(year, 12, 25),
    ...SPECIAL_CLOSURES.filter((d) => d.startsWith(`${year}-`)),
  ];
  const set = new Set(days.filter((d): d is string => d !== null));
  holidayCache.set(year, set);
  return set;
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
