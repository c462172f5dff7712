// CRSP-style cumulative adjustment factors from splits and cash dividends: adj_close = close × factor(date).

export interface SplitAction {
  date: string;
  /** New shares per old share (4 for a 4-for-1 split). */
  ratio: number;
}

export interface DividendAction {
  ex_date: string;
  amount: number;
  /** Raw close of the last trading day before the ex-date; null when that bar is not stored. */
  previous_close: number | null;
}

export interface FactorSegment {
  /** Inclusive. */
  from_date: string;
  /** Exclusive. */
  to_date: string;
  /** Split and dividend factor (prices, `adjustment=all`). */
  factor: number;
  /** Split-only factor (`adjustment=split`; volume is divided by it). */
  split_factor: number;
}

/** Bounds of the open-ended first and last segments; every real trading date sorts inside them. */
export const FIRST_DATE = "0001-01-01";
export const LAST_DATE = "9999-12-31";

/** A stored corporate action as the D1 rows carry it, with the close before its date (dividends need it). */
export interface StoredAction {
  kind: "split" | "dividend";
  date: string;
  ratio: number | null;
  amount: number | null;
  previous_close: number | null;
}

/** The segments of one asset's stored actions: its splits and dividends sorted out, then adjustmentSegments. */
export function segmentsOfActions(actions: readonly StoredAction[]): FactorSegment[] {
  return adjustmentSegments(
    actions
      .filter((a) => a.kind === "split" && a.ratio !== null)
      .map((a) => ({ date: a.date, ratio: a.ratio as number })),
    actions
      .filter((a) => a.kind === "dividend" && a.amount !== null)
      .map((a) => ({ ex_date: a.date, amount: a.amount as number, previous_close: a.previous_close })),
  );
}

/**
 * Each action multiplies the factor of every bar before its date: a split of ratio r by 1/r, a dividend D
 * with previous close P by (1 − D/P). Actions on one date combine. A dividend on a split's date is quoted in
 * post-split shares, so P is restated (P / r) before the ratio is taken. A dividend whose previous close is
 * unknown, or that would wipe the price out (D ≥ P), cannot be adjusted for and is skipped.
 * Returns contiguous segments covering [FIRST_DATE, LAST_DATE), or [] when nothing adjusts.
 */
export function adjustmentSegments(splits: SplitAction[], dividends: DividendAction[]): FactorSegment[] {
  const step = new Map<string, number>();
  const splitOn = new Map<string, number>();
  for (const s of splits) {
    if (!(s.ratio > 0) || !Number.isFinite(s.ratio) || s.ratio === 1) continue;
    splitOn.set(s.date, (splitOn.get(s.date) ?? 1) * s.ratio);
    step.set(s.date, (step.get(s.date) ?? 1) / s.ratio);
  }
  const splitStep = (date: string) => 1 / (splitOn.get(date) ?? 1);
  for (const d of dividends) {
    if (d.previous_close === null || !(d.previous_close > 0) || !(d.amount > 0)) continue;
    const previous = d.previous_close / (splitOn.get(d.ex_date) ?? 1);
    if (d.amount >= previous) continue;
    step.set(d.ex_date, (step.get(d.ex_date) ?? 1) * (1 - d.amount / previous));
  }
  const dates = [...step.keys()].sort();
  if (dates.length === 0) return [];
  // Walk from the newest action back: bars on or after the last action date are unadjusted.
  const segments: FactorSegment[] = [];
  let factor = 1;
  let split_factor = 1;
  let to = LAST_DATE;
  for (let i = dates.length - 1; i >= 0; i--) {
    const date = dates[i] as string;
    segments.push({ from_date: date, to_date: to, factor, split_factor });
    factor *= step.get(date) as number;
    split_factor *= splitStep(date);
    to = date;
  }
  segments.push({ from_date: FIRST_DATE, to_date: to, factor, split_factor });
  return segments.reverse();
}

/** Whether two segment lists are the same up to floating-point noise (so unchanged factors are not rewritten). */
export function sameSegments(a: FactorSegment[], b: FactorSegment[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((s, i) => {
    const t = b[i] as FactorSegment;
    return (
      s.from_date === t.from_date &&
      s.to_date === t.to_date &&
      Math.abs(s.factor - t.factor) <= 1e-12 * Math.max(1, Math.abs(t.factor)) &&
      Math.abs(s.split_factor - t.split_factor) <= 1e-12 * Math.max(1, Math.abs(t.split_factor))
    );
  });
}

/** `closes` (ascending `dates`) multiplied by the factor of the segment each date falls in. */
export function applySegments(
  dates: readonly string[],
  closes: readonly number[],
  segments: readonly FactorSegment[],
): number[] {
  if (segments.length === 0) return [...closes];
  const out = new Array<number>(closes.length);
  let k = 0;
  for (let i = 0; i < dates.length; i++) {
    const date = dates[i] as string;
    while (k < segments.length - 1 && date >= (segments[k] as FactorSegment).to_date) k++;
    out[i] = (closes[i] as number) * (segments[k] as FactorSegment).factor;
  }
  return out;
}
