// Alerts on a custom index: what each kind observes at a tick (level, drawdown, a constituent's weight drift)
// and whether that observation crosses the alert's threshold.

export type IndexAlertKind = "index_level" | "drawdown" | "weight_drift";

export interface IndexAlertRule {
  kind: IndexAlertKind;
  /** index_level only: fire at or above / at or below the level. */
  condition: "above" | "below";
  /** A level (index_level), a fraction below the peak (drawdown), a fraction of weight off target (weight_drift). */
  threshold: number;
  /** weight_drift only: the constituent watched. */
  symbol: string | null;
}

/** An index as a tick leaves it: the live level, the highest level it has reached, today's and target weights. */
export interface LiveIndexState {
  level: number;
  /** The highest stored level of the version in force; the live level counts too if it is higher. */
  peak: number;
  /** Units × live prices over the live level. */
  weights: Readonly<Record<string, number>>;
  /** The weights the last rebalance set. */
  targets: Readonly<Record<string, number>>;
}

export interface IndexAlertObservation {
  /** The number the alert watches: the level; level / peak − 1 (≤ 0); weight − target (signed). */
  value: number;
  fires: boolean;
}

/**
 * Drawdown fires once the level is `threshold` or more below the peak; weight drift once the constituent's
 * weight is `threshold` or more away from its target, in either direction; level on crossing, inclusive.
 */
export function observeIndexAlert(rule: IndexAlertRule, state: LiveIndexState): IndexAlertObservation {
  switch (rule.kind) {
    case "index_level": {
      const value = state.level;
      return { value, fires: rule.condition === "above" ? value >= rule.threshold : value <= rule.threshold };
    }
    case "drawdown": {
      const peak = Math.max(state.peak, state.level);
      const value = peak > 0 ? state.level / peak - 1 : 0;
      return { value, fires: value <= -rule.threshold };
    }
    case "weight_drift": {
      const symbol = rule.symbol ?? "";
      const value = (state.weights[symbol] ?? 0) - (state.targets[symbol] ?? 0);
      return { value, fires: Math.abs(value) >= rule.threshold };
    }
  }
}

/** Each holding's share of Σ units × price; null when a held symbol has no price or the total is not positive. */
export function liveWeights(
  units: Readonly<Record<string, number>>,
  prices: Readonly<Record<string, number | undefined>>,
): Record<string, number> | null {
  const values: Record<string, number> = {};
  let total = 0;
  for (const [symbol, u] of Object.entries(units)) {
    if (u === 0) {
      values[symbol] = 0;
      continue;
    }
    const p = prices[symbol];
    if (p === undefined || !Number.isFinite(p)) return null;
    values[symbol] = u * p;
    total += u * p;
  }
  if (!(total > 0)) return null;
  for (const symbol of Object.keys(values)) values[symbol] = (values[symbol] as number) / total;
  return values;
}
