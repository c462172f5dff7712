// When a US regular session closes (16:00 New York), so `day` orders lapse at the end of their trading day.
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
