// Rebalance schedule: which trading days an index resets to its target weights.

export type RebalanceFrequency = "monthly" | "quarterly" | "annually" | "none";

/** The calendar period a date belongs to; a new period on the next trading day means a rebalance. */
export function rebalancePeriod(date: string, frequency: RebalanceFrequency): string {
  switch (frequency) {
    case "monthly":
      return date.slice(0, 7);
    case "quarterly":
      return `${date.slice(0, 4)}-Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
    case "annually":
      return date.slice(0, 4);
    case "none":
      return "";
  }
}

/**
 * Rebalance dates: the first trading day on/after `baseDate` (the base date itself when it trades), then the
 * first trading day of every later month/quarter/year. Rebalancing on the first session of a period, not on
 * a fixed calendar day, is what index providers do so a rebalance never falls on a holiday.
 * `tradingDays` must be ascending and unique ('YYYY-MM-DD').
 */
export function rebalanceDates(
  tradingDays: readonly string[],
  frequency: RebalanceFrequency,
  baseDate: string,
): string[] {
  return rebalanceDayIndexes(tradingDays, frequency, baseDate).map((i) => tradingDays[i] as string);
}

/** `rebalanceDates` as positions in `tradingDays`, which the index engine works in. */
export function rebalanceDayIndexes(
  tradingDays: readonly string[],
  frequency: RebalanceFrequency,
  baseDate: string,
): number[] {
  for (let i = 1; i < tradingDays.length; i++) {
    if ((tradingDays[i] as string) <= (tradingDays[i - 1] as string)) {
      throw new RangeError(`trading days must be ascending and unique (${tradingDays[i - 1]}, ${tradingDays[i]})`);
    }
  }
  let first = 0;
  while (first < tradingDays.length && (tradingDays[first] as string) < baseDate) first++;
  if (first === tradingDays.length) return [];
  const out = [first];
  if (frequency === "none") return out;
  let period = rebalancePeriod(tradingDays[first] as string, frequency);
  for (let i = first + 1; i < tradingDays.length; i++) {
    const p = rebalancePeriod(tradingDays[i] as string, frequency);
    if (p !== period) {
      out.push(i);
      period = p;
    }
  }
  return out;
}
