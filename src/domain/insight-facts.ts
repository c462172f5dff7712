// The facts insights are made of: drawdown episodes, how often caps bound, turnover, weights drifted to today.
import { sampleCovariance } from "./covariance";
import { type LevelPoint, TRADING_DAYS_PER_YEAR } from "./metrics";
import { riskContributions } from "./risk-contributions";

/** Sessions of returns behind the risk contributions and the realised volatility: one trading year. */
export const RISK_WINDOW = TRADING_DAYS_PER_YEAR;
/** Fewest common returns a covariance is estimated from. */
export const MIN_RISK_OBSERVATIONS = 20;

const lastOf = <T>(xs: readonly T[]) => xs[xs.length - 1];

export interface DrawdownEpisode {
  /** The last level at the running peak before the fall. */
  peak_date: string;
  trough_date: string;
  /** The first level back at or above the peak; null while the episode is still open. */
  recovery_date: string | null;
  /** trough / peak − 1 (negative). */
  depth: number;
  /** Sessions from the peak to the recovery (or to the last level while open). */
  sessions: number;
}

/**
 * Splits the levels into peak → trough → recovery episodes: one starts when a level falls below the running
 * peak and ends on the first level back at or above it.
 */
export function drawdownEpisodes(levels: readonly LevelPoint[]): DrawdownEpisode[] {
  const out: DrawdownEpisode[] = [];
  let peakAt = 0;
  let open: { troughAt: number; depth: number } | null = null;
  for (let i = 1; i < levels.length; i++) {
    const v = (levels[i] as LevelPoint).value;
    const peak = (levels[peakAt] as LevelPoint).value;
    if (v >= peak) {
      if (open) {
        out.push({
          peak_date: (levels[peakAt] as LevelPoint).date,
          trough_date: (levels[open.troughAt] as LevelPoint).date,
          recovery_date: (levels[i] as LevelPoint).date,
          depth: open.depth,
          sessions: i - peakAt,
        });
        open = null;
      }
      peakAt = i;
      continue;
    }
    const depth = v / peak - 1;
    if (!open || depth < open.depth) open = { troughAt: i, depth };
  }
  if (open) {
    out.push({
      peak_date: (levels[peakAt] as LevelPoint).date,
      trough_date: (levels[open.troughAt] as LevelPoint).date,
      recovery_date: null,
      depth: open.depth,
      sessions: levels.length - 1 - peakAt,
    });
  }
  return out;
}

export interface RebalanceRecord {
  date: string;
  weights_before: Record<string, number>;
  weights_after: Record<string, number>;
  turnover: number;
}

export interface CapBinding {
  /** Rebalances at which some weight was cut to the cap. */
  capped_rebalances: number;
  /** Rebalances at which some weight was lifted to the floor. */
  floored_rebalances: number;
  rebalances: number;
  /** Symbol → rebalances at which the cap cut it. */
  capped_symbols: Map<string, number>;
}

/** A weight counts as moved by the caps when it differs from the method's raw weight by more than this. */
const CAP_TOLERANCE = 1e-9;

/** How often the max/min weight changed the method's raw weights, from each rebalance's before/after. */
export function capBinding(rebalances: readonly RebalanceRecord[]): CapBinding {
  const cappedSymbols = new Map<string, number>();
  let capped = 0;
  let floored = 0;
  for (const r of rebalances) {
    let anyCap = false;
    let anyFloor = false;
    for (const [symbol, before] of Object.entries(r.weights_before)) {
      const after = r.weights_after[symbol] ?? 0;
      if (before - after > CAP_TOLERANCE && after > 0) {
        anyCap = true;
        cappedSymbols.set(symbol, (cappedSymbols.get(symbol) ?? 0) + 1);
      }
      if (after - before > CAP_TOLERANCE && before > 0) anyFloor = true;
    }
    if (anyCap) capped++;
    if (anyFloor) floored++;
  }
  return {
    capped_rebalances: capped,
    floored_rebalances: floored,
    rebalances: rebalances.length,
    capped_symbols: cappedSymbols,
  };
}

/**
 * Weights of a rebalance carried forward by price: w_i ∝ w_i · P_i(now) / P_i(rebalance), renormalised.
 * A constituent without both prices keeps its rebalance weight before renormalising.
 */
export function driftedWeights(
  weights: Readonly<Record<string, number>>,
  priceAtRebalance: Readonly<Record<string, number>>,
  priceNow: Readonly<Record<string, number>>,
): Record<string, number> {
  const grown: Record<string, number> = {};
  let total = 0;
  for (const [symbol, w] of Object.entries(weights)) {
    const p0 = priceAtRebalance[symbol];
    const p1 = priceNow[symbol];
    const g = p0 !== undefined && p1 !== undefined && p0 > 0 ? (w * p1) / p0 : w;
    grown[symbol] = g;
    total += g;
  }
  if (!(total > 0)) return { ...weights };
  for (const symbol of Object.keys(grown)) grown[symbol] = (grown[symbol] as number) / total;
  return grown;
}

/** Daily simple returns of several series over the dates they all share, the most recent `max` of them. */
export function commonReturns(
  series: ReadonlyArray<readonly LevelPoint[]>,
  max: number,
): { dates: string[]; returns: number[][] } {
  if (series.length === 0) return { dates: [], returns: [] };
  const maps = series.map((s) => new Map(s.map((p) => [p.date, p.value])));
  const dates = (series[0] as readonly LevelPoint[]).map((p) => p.date).filter((d) => maps.every((m) => m.has(d)));
  const kept = dates.slice(Math.max(0, dates.length - max - 1));
  const returns = maps.map((m) =>
    kept.slice(1).map((d, k) => (m.get(d) as number) / (m.get(kept[k] as string) as number) - 1),
  );
  return { dates: kept.slice(1), returns };
}

export interface RiskShare {
  symbol: string;
  /** Today's weight: the latest rebalance's, drifted by price. */
  weight: number;
  marginal: number;
  /** Share of the index's variance (sums to 1). */
  contribution_pct: number;
}

/**
 * Each constituent's share of the index's variance (Euler contributions) over the last RISK_WINDOW common
 * daily returns, largest first; null with fewer than two constituents or MIN_RISK_OBSERVATIONS returns.
 */
export function riskShares(input: {
  allocation: { date: string; weights: Record<string, number> } | null;
  closes: Readonly<Record<string, readonly LevelPoint[]>>;
}): { shares: RiskShare[]; sessions: number } | null {
  const alloc = input.allocation;
  if (!alloc) return null;
  const symbols = Object.keys(alloc.weights).filter((s) => (input.closes[s]?.length ?? 0) > 0);
  if (symbols.length < 2) return null;
  const series = symbols.map((s) => input.closes[s] as readonly LevelPoint[]);
  const { dates, returns } = commonReturns(series, RISK_WINDOW);
  if (dates.length < MIN_RISK_OBSERVATIONS) return null;
  const at = (s: string, date: string) =>
    (input.closes[s] as readonly LevelPoint[]).find((p) => p.date === date)?.value;
  const p0: Record<string, number> = {};
  const p1: Record<string, number> = {};
  const last = lastOf(dates) as string;
  for (const s of symbols) {
    const start = at(s, alloc.date);
    const now = at(s, last);
    if (start !== undefined) p0[s] = start;
    if (now !== undefined) p1[s] = now;
  }
  const weights = driftedWeights(Object.fromEntries(symbols.map((s) => [s, alloc.weights[s] as number])), p0, p1);
  const values = new Float64Array(dates.length * symbols.length);
  for (let t = 0; t < dates.length; t++)
    for (let i = 0; i < symbols.length; i++) values[t * symbols.length + i] = returns[i]![t] as number;
  const cov = sampleCovariance({ observations: dates.length, assets: symbols.length, values });
  const shares = riskContributions(
    cov,
    symbols.map((s) => weights[s] as number),
  )
    .map((c, i) => ({ symbol: symbols[i] as string, ...c }))
    .sort((a, b) => b.contribution_pct - a.contribution_pct || a.symbol.localeCompare(b.symbol));
  return { shares, sessions: dates.length };
}
