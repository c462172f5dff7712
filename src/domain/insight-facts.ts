// The facts insights are made of: drawdown episodes, how often caps bound, turnover, the risk shares they quote.
import { type LevelPoint, TRADING_DAYS_PER_YEAR } from "./metrics";

/** Sessions of returns behind the realised volatility: one trading year. */
export const RISK_WINDOW = TRADING_DAYS_PER_YEAR;
/** Fewest returns a volatility is estimated from. */
export const MIN_RISK_OBSERVATIONS = 20;

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

/** One holding's part of the index's risk, as the risk route reports it. */
export interface RiskShare {
  symbol: string;
  /** Today's weight (the latest allocation's units at the last closes). */
  weight: number;
  marginal: number;
  /** Share of the index's variance (sums to 1). */
  contribution_pct: number;
}
