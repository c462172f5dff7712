// Aligns many symbols' daily closes onto one trading calendar, so the index and backtest loops are flat array reads.

import { firstNotBelow } from "./sorted-search";

export interface PricePoint {
  date: string;
  close: number;
}

/** Daily closes per symbol, each ascending by date (adjusted closes for anything return-based). */
export type PriceHistory = Readonly<Record<string, readonly PricePoint[]>>;

export interface PriceMatrix {
  /** The trading calendar: every date on which at least one symbol printed, ascending. */
  dates: string[];
  symbols: string[];
  /**
   * Day-major closes, `closes[day * symbols.length + s]`, with a missing day carrying the last close
   * (a price from before the calendar carries in); NaN until a symbol's first price.
   */
  closes: Float64Array;
  /** First day with a usable close (0 when one carries in from before the calendar); -1 when none. */
  firstDay: Int32Array;
  /** Last day with an actual print inside the calendar; -1 when the series ends before the calendar starts. */
  lastDay: Int32Array;
}

const usable = (p: PricePoint): boolean => Number.isFinite(p.close) && p.close > 0;

/** Position of the first point dated on/after `date` (binary search; `points` ascending). */
export function firstOnOrAfter(points: readonly PricePoint[], date: string): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((points[mid] as PricePoint).date < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The close on `date`, or the last one before it; undefined when the series has not started. */
export function closeOnOrBefore(points: readonly PricePoint[], date: string): number | undefined {
  let i = firstOnOrAfter(points, date);
  if (i < points.length && (points[i] as PricePoint).date === date && usable(points[i] as PricePoint)) {
    return (points[i] as PricePoint).close;
  }
  for (i = i - 1; i >= 0; i--) if (usable(points[i] as PricePoint)) return (points[i] as PricePoint).close;
  return undefined;
}

function assertAscending(symbol: string, points: readonly PricePoint[]): void {
  for (let i = 1; i < points.length; i++) {
    if ((points[i] as PricePoint).date <= (points[i - 1] as PricePoint).date) {
      throw new RangeError(`prices for ${symbol} must be ascending by date with one bar per day`);
    }
  }
}

/**
 * Union of the ascending `calendar` and the ascending dates `dateAt(from) … dateAt(to - 1)`; returns `calendar`
 * itself when they add nothing (the usual case).
 */
function mergeDates(calendar: string[], dateAt: (j: number) => string, from: number, to: number): string[] {
  let i = 0;
  let j = from;
  let adds = false;
  while (j < to) {
    const d = dateAt(j);
    while (i < calendar.length && (calendar[i] as string) < d) i++;
    if (i === calendar.length || calendar[i] !== d) {
      adds = true;
      break;
    }
    j++;
  }
  if (!adds) return calendar;
  const out: string[] = [];
  i = 0;
  j = from;
  while (i < calendar.length || j < to) {
    const a = calendar[i];
    const b = j < to ? dateAt(j) : undefined;
    if (b === undefined || (a !== undefined && a < b)) {
      out.push(a as string);
      i++;
    } else if (a === undefined || b < a) {
      out.push(b);
      j++;
    } else {
      out.push(a);
      i++;
      j++;
    }
  }
  return out;
}

/**
 * `calendar` with the ascending `dates` inside [start, end] added: folding every symbol's dates in (any order)
 * gives the calendar `buildPriceMatrix` builds over them.
 */
export function withDates(calendar: string[], dates: readonly string[], range: { start: string; end?: string }) {
  const from = firstNotBelow(dates, range.start);
  const to = firstNotBelow(dates, `${range.end ?? "9999-12-31"}~`);
  return mergeDates(calendar, (j) => dates[j] as string, from, to);
}

/** Aligns `symbols` from `prices` on the union calendar of dates in [start, end]. */
export function buildPriceMatrix(
  prices: PriceHistory,
  symbols: readonly string[],
  range: { start: string; end?: string },
): PriceMatrix {
  const end = range.end ?? "9999-12-31";
  const bounds = symbols.map((s) => {
    const points = prices[s] ?? [];
    assertAscending(s, points);
    return { points, from: firstOnOrAfter(points, range.start), to: firstOnOrAfter(points, `${end}~`) };
  });
  let dates: string[] = [];
  for (const { points, from, to } of bounds) dates = mergeDates(dates, (j) => (points[j] as PricePoint).date, from, to);

  const n = symbols.length;
  const days = dates.length;
  const closes = new Float64Array(n * days).fill(Number.NaN);
  const firstDay = new Int32Array(n).fill(-1);
  const lastDay = new Int32Array(n).fill(-1);
  bounds.forEach(({ points, from, to }, s) => {
    const carried = from > 0 ? closeOnOrBefore(points, (points[from - 1] as PricePoint).date) : undefined;
    let day = 0;
    let last = carried ?? Number.NaN;
    if (carried !== undefined && days > 0) firstDay[s] = 0;
    for (let j = from; j < to; j++) {
      const p = points[j] as PricePoint;
      while ((dates[day] as string) < p.date) closes[day++ * n + s] = last;
      if (usable(p)) {
        last = p.close;
        if (firstDay[s] === -1) firstDay[s] = day;
        lastDay[s] = day;
      }
      closes[day++ * n + s] = last;
    }
    while (day < days) closes[day++ * n + s] = last;
  });
  return { dates, symbols: [...symbols], closes, firstDay, lastDay };
}
