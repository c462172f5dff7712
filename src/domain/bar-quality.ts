// Data-quality gate for provider bars: which bars may be stored, and why the others were refused.
import type { Bar } from "./bar";
import { isTradingDay } from "./calendar";

export type RejectionReason =
  | "invalid_date"
  | "future_date"
  | "not_a_trading_day"
  | "non_finite"
  | "non_positive_price"
  | "negative_volume"
  | "high_below_low";

export interface Rejection {
  date: string;
  reason: RejectionReason;
}

/** Why one bar cannot be stored, or null when it can. `today` is the exchange-local date now. */
export function barProblem(bar: Bar, today: string): RejectionReason | null {
  if (typeof bar.date !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(bar.date)) return "invalid_date";
  const t = Date.parse(`${bar.date}T00:00:00Z`);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== bar.date) return "invalid_date";
  if (bar.date > today) return "future_date";
  if (!isTradingDay(bar.date)) return "not_a_trading_day";
  const values = [bar.open, bar.high, bar.low, bar.close, bar.volume];
  if (!values.every((v) => typeof v === "number" && Number.isFinite(v))) return "non_finite";
  if (bar.open <= 0 || bar.high <= 0 || bar.low <= 0 || bar.close <= 0) return "non_positive_price";
  if (bar.volume < 0) return "negative_volume";
  if (bar.high < bar.low) return "high_below_low";
  return null;
}

/** Splits a series into storable bars and rejections, keeping the input order. */
export function screenBars<T extends Bar>(bars: T[], today: string): { accepted: T[]; rejected: Rejection[] } {
  const accepted: T[] = [];
  const rejected: Rejection[] = [];
  for (const bar of bars) {
    const reason = barProblem(bar, today);
    if (reason) rejected.push({ date: String(bar?.date ?? ""), reason });
    else accepted.push(bar);
  }
  return { accepted, rejected };
}
