// Labels each day bull, bear, sideways or high_volatility from trend and volatility, with the inputs used.
import { sma } from "./indicators";
import { sampleStdev, TRADING_DAYS_PER_YEAR } from "./metrics";
import { firstNotBelow } from "./sorted-search";

export type Regime = "bull" | "bear" | "sideways" | "high_volatility";

export interface RegimeOptions {
  /** SMA length for the trend (200 by default: the classic long-term trend line). */
  trendWindow?: number;
  /** Sessions over which the SMA's slope is measured. */
  slopeLookback?: number;
  /** Sessions of daily returns in the realized volatility. */
  volWindow?: number;
  /** A fixed annualised volatility above which a day is high_volatility; overrides the percentile. */
  volThreshold?: number;
  /** Else: high_volatility above this percentile of the volatility seen so far (no look-ahead). */
  volPercentile?: number;
  /** Volatility observations needed before the percentile is trusted. */
  minVolHistory?: number;
  /** |close/SMA − 1| within this band is sideways whatever the slope. */
  trendBand?: number;
}

export interface RegimeDay {
  date: string;
  regime: Regime;
  inputs: {
    close: number;
    sma: number;
    /** SMA now over SMA `slopeLookback` sessions ago, minus 1. */
    sma_slope: number;
    /** Annualised sample volatility of the last `volWindow` daily returns. */
    volatility: number;
    /** The level volatility was compared with; null until enough history for the percentile. */
    volatility_threshold: number | null;
  };
}

/**
 * High volatility wins (risk is what a reader needs first); otherwise bull when the close is above a rising
 * SMA, bear when below a falling one, sideways when the two disagree or the close hugs the SMA.
 * Days before the SMA, its slope and the volatility all exist are left out.
 */
export function classifyRegimes(
  bars: readonly { date: string; close: number }[],
  options: RegimeOptions = {},
): RegimeDay[] {
  const trendWindow = options.trendWindow ?? 200;
  const slopeLookback = options.slopeLookback ?? 20;
  const volWindow = options.volWindow ?? 20;
  const percentile = options.volPercentile ?? 0.9;
  const minHistory = options.minVolHistory ?? 60;
  const band = options.trendBand ?? 0;
  for (const [name, v] of [
    ["slopeLookback", slopeLookback],
    ["volWindow", volWindow],
    ["minVolHistory", minHistory],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer`);
  }
  if (!(percentile > 0 && percentile < 1)) throw new RangeError("volPercentile must be in (0, 1)");
  if (options.volThreshold !== undefined && !(options.volThreshold > 0))
    throw new RangeError("volThreshold must be positive");
  if (!(band >= 0)) throw new RangeError("trendBand must be ≥ 0");
  const closes = bars.map((b) => b.close);
  const trend = sma(closes, trendWindow);
  const returns = closes.slice(1).map((c, i) => c / (closes[i] as number) - 1);
  const seen: number[] = []; // volatility history, kept sorted for the expanding percentile
  const out: RegimeDay[] = [];
  for (let t = volWindow; t < bars.length; t++) {
    const vol = sampleStdev(returns.slice(t - volWindow, t)) * Math.sqrt(TRADING_DAYS_PER_YEAR);
    seen.splice(firstNotBelow(seen, vol), 0, vol);
    const m = trend[t];
    const before = trend[t - slopeLookback];
    if (m === null || m === undefined || before === null || before === undefined) continue;
    const threshold =
      options.volThreshold ??
      (seen.length >= minHistory
        ? (seen[Math.min(seen.length - 1, Math.ceil(percentile * seen.length) - 1)] as number)
        : null);
    const close = closes[t] as number;
    const slope = m / before - 1;
    const gap = close / m - 1;
    const regime: Regime =
      threshold !== null && vol > threshold
        ? "high_volatility"
        : Math.abs(gap) <= band
          ? "sideways"
          : gap > 0 && slope > 0
            ? "bull"
            : gap < 0 && slope < 0
              ? "bear"
              : "sideways";
    out.push({
      date: (bars[t] as { date: string }).date,
      regime,
      inputs: { close, sma: m, sma_slope: slope, volatility: vol, volatility_threshold: threshold },
    });
  }
  return out;
}
