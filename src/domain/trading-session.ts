// When a US regular session opens and closes (09:30–16:00 New York, DST-aware): `day` orders lapse at the close,
// and the quotes cron only spends provider credits while a session is open.
import { isTradingDay } from "./calendar";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** New York is UTC-4 from the second Sunday of March to the first Sunday of November (US rule since 2007), else UTC-5. */
function newYorkOffsetHours(date: string): number {
  const year = Number(date.slice(0, 4));
  const sunday = (month: number, n: number) => {
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    return new Date(Date.UTC(year, month - 1, 1 + ((7 - first) % 7) + (n - 1) * 7)).toISOString().slice(0, 10);
  };
  return date >= sunday(3, 2) && date < sunday(11, 1) ? -4 : -5;
}

/** The instant the regular session of `date` opens (09:30 New York). */
export function sessionOpen(date: string): Date {
  return new Date(Date.parse(`${date}T09:30:00Z`) - newYorkOffsetHours(date) * HOUR_MS);
}

/** Minutes of a regular session: 09:30 to 16:00. */
export const SESSION_MINUTES = 390;

/**
 * Whole minutes since the open when `instant` falls inside a regular session ([open, close)), else null: nights,
 * weekends, exchange holidays. The New York date is taken after the offset, so 13:30 UTC is the open in summer
 * (EDT, UTC-4) and an hour before it in winter (EST, UTC-5).
 */
export function minutesIntoSession(instant: Date): number | null {
  const t = instant.getTime();
  // Any instant of a New York trading day is within 5 hours of its UTC date; try both candidates.
  for (const date of [new Date(t - 5 * HOUR_MS), new Date(t)].map((d) => d.toISOString().slice(0, 10))) {
    if (!isTradingDay(date)) continue;
    const open = sessionOpen(date).getTime();
    if (t >= open && t < sessionClose(date).getTime()) return Math.floor((t - open) / 60_000);
  }
  return null;
}

/** The instant the regular session of `date` closes (early-close half days are treated as full days). */
export function sessionClose(date: string): Date {
  return new Date(Date.parse(`${date}T16:00:00Z`) - newYorkOffsetHours(date) * HOUR_MS);
}

/** The first session close after `instant`: a day order placed after the close or on a holiday is for the next session. */
export function nextSessionClose(instant: Date): Date {
  let date = new Date(instant.getTime() - 5 * HOUR_MS).toISOString().slice(0, 10);
  for (let i = 0; i < 15; i++) {
    if (isTradingDay(date)) {
      const close = sessionClose(date);
      if (close.getTime() > instant.getTime()) return close;
    }
    date = new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  }
  throw new RangeError(`no trading session within 15 days of ${instant.toISOString()}`);
}
