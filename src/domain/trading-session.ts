// When a US session opens and closes (regular 09:30–16:00 New York, 13:00 on half days; pre-market from 04:00,
// after-hours for four hours after the close; DST-aware): `day` orders lapse at the close, the quotes cron only
// spends provider credits while a session is open, and the market status and calendar answer from here.
import {
  earlyCloseOf,
  isTradingDay,
  type MarketDay,
  marketEarlyCloses,
  marketHolidayList,
  nthWeekday,
  tradingDays,
} from "./calendar";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** Minutes after New York midnight. */
const PRE_OPEN = 4 * 60;
const OPEN = 9 * 60 + 30;
const CLOSE = 16 * 60;
const EARLY_CLOSE = 13 * 60;
/** After-hours trading runs this long past the close (16:00–20:00; 13:00–17:00 on a half day). */
const POST_MINUTES = 4 * 60;

/**
 * The instants daylight saving time starts and ends in New York in `year` (02:00 local): since 2007 the second
 * Sunday of March to the first Sunday of November; from 1987 to 2006 the first Sunday of April to the last Sunday
 * of October.
 */
export function daylightSavingSpan(year: number): { start: Date; end: Date } {
  const [startDay, endDay] =
    year >= 2007
      ? [nthWeekday(year, 3, 0, 2), nthWeekday(year, 11, 0, 1)]
      : [nthWeekday(year, 4, 0, 1), nthWeekday(year, 10, 0, -1)];
  // 02:00 EST is 07:00 UTC; 02:00 EDT is 06:00 UTC.
  return { start: new Date(`${startDay}T07:00:00Z`), end: new Date(`${endDay}T06:00:00Z`) };
}

/** New York's offset from UTC at an instant: -4 (EDT) inside the daylight saving span, else -5 (EST). */
function offsetHoursAt(t: number): number {
  const { start, end } = daylightSavingSpan(new Date(t).getUTCFullYear());
  return t >= start.getTime() && t < end.getTime() ? -4 : -5;
}

/** The offset of a date's daytime (a switch happens at 02:00 on a Sunday, when no session runs). */
const newYorkOffsetHours = (date: string) => offsetHoursAt(Date.parse(`${date}T12:00:00Z`));

/** The instant of `minute` minutes after midnight, New York time, on `date`. */
const newYorkInstant = (date: string, minute: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + minute * MINUTE_MS - newYorkOffsetHours(date) * HOUR_MS);

/** The New York wall-clock date and minute of the day of an instant. */
export function newYorkClock(instant: Date): { date: string; minute: number } {
  const local = instant.getTime() + offsetHoursAt(instant.getTime()) * HOUR_MS;
  const date = new Date(local).toISOString().slice(0, 10);
  return { date, minute: Math.floor((local - Date.parse(`${date}T00:00:00Z`)) / MINUTE_MS) };
}

const closeMinute = (date: string) => (earlyCloseOf(date) === null ? CLOSE : EARLY_CLOSE);

/** The instant the regular session of `date` opens (09:30 New York). */
export function sessionOpen(date: string): Date {
  return newYorkInstant(date, OPEN);
}

/** The instant the regular session of `date` closes: 16:00 New York, 13:00 on a half day. */
export function sessionClose(date: string): Date {
  return newYorkInstant(date, closeMinute(date));
}

/** Minutes of a full regular session: 09:30 to 16:00 (a half day has 210). */
export const SESSION_MINUTES = 390;

/**
 * Whole minutes since the open when `instant` falls inside a regular session ([open, close)), else null: nights,
 * weekends, exchange holidays, and the afternoon of a half day. 13:30 UTC is the open in summer (EDT, UTC-4) and
 * an hour before it in winter (EST, UTC-5).
 */
export function minutesIntoSession(instant: Date): number | null {
  const { date, minute } = newYorkClock(instant);
  if (!isTradingDay(date) || minute < OPEN || minute >= closeMinute(date)) return null;
  return Math.floor((instant.getTime() - sessionOpen(date).getTime()) / MINUTE_MS);
}

/** The state of the US equity market at an instant. */
export type MarketPhase = "open" | "closed" | "pre" | "post";

/**
 * `pre` 04:00–09:30, `open` 09:30 to the close, `post` the four hours after it (16:00–20:00, 13:00–17:00 on a half
 * day), New York time, on trading days; `closed` otherwise (nights, weekends, holidays). Each span includes its
 * start and excludes its end.
 */
export function marketPhase(instant: Date): MarketPhase {
  const { date, minute } = newYorkClock(instant);
  if (!isTradingDay(date)) return "closed";
  const close = closeMinute(date);
  if (minute < PRE_OPEN) return "closed";
  if (minute < OPEN) return "pre";
  if (minute < close) return "open";
  if (minute < close + POST_MINUTES) return "post";
  return "closed";
}

/** The longest run of days without a session since 2000 (11–16 September 2001, with its weekend) fits with room. */
const SEARCH_DAYS = 15;

/** The first trading day on or after the New York date of `instant` whose `at(date)` is after `instant`. */
function firstSessionInstant(instant: Date, at: (date: string) => Date): Date {
  let date = newYorkClock(instant).date;
  for (let i = 0; i < SEARCH_DAYS; i++) {
    if (isTradingDay(date)) {
      const t = at(date);
      if (t.getTime() > instant.getTime()) return t;
    }
    date = new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  }
  throw new RangeError(`no trading session within ${SEARCH_DAYS} days of ${instant.toISOString()}`);
}

/** The first regular-session open strictly after `instant`. */
export function nextSessionOpen(instant: Date): Date {
  return firstSessionInstant(instant, sessionOpen);
}

/** The first session close after `instant`: a day order placed after the close or on a holiday is for the next session. */
export function nextSessionClose(instant: Date): Date {
  return firstSessionInstant(instant, sessionClose);
}

export interface MarketStatus {
  market: MarketPhase;
  /** The next regular-session open strictly after the instant. */
  next_open: Date;
  /** The current session's close while it is open, else the next session's close. */
  next_close: Date;
}

export function marketStatus(instant: Date): MarketStatus {
  // The first close after the instant is the current session's while it is open, and the next session's otherwise.
  return { market: marketPhase(instant), next_open: nextSessionOpen(instant), next_close: nextSessionClose(instant) };
}

export interface SessionDay {
  date: string;
  open: Date;
  close: Date;
  early_close: boolean;
}

export interface MarketCalendar {
  trading_days: SessionDay[];
  holidays: MarketDay[];
  early_closes: Array<MarketDay & { close: Date }>;
}

/** The sessions, holidays and half days of [start, end] (YYYY-MM-DD, both inclusive), ascending. */
export function marketCalendar(start: string, end: string): MarketCalendar {
  const out: MarketCalendar = { trading_days: [], holidays: [], early_closes: [] };
  const within = (d: MarketDay) => d.date >= start && d.date <= end;
  for (let year = Number(start.slice(0, 4)); year <= Number(end.slice(0, 4)); year++) {
    out.holidays.push(...marketHolidayList(year).filter(within));
    for (const d of marketEarlyCloses(year).filter(within))
      out.early_closes.push({ ...d, close: sessionClose(d.date) });
  }
  const early = new Set(out.early_closes.map((d) => d.date));
  out.trading_days = tradingDays(start, end).map((date) => ({
    date,
    open: sessionOpen(date),
    close: sessionClose(date),
    early_close: early.has(date),
  }));
  return out;
}
