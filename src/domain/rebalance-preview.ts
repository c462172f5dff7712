// What a preview says about one rebalance the engine computed: each weight before and after the caps, which caps
// bind, and the trade from the weights in force with its cost.
import type { Rebalance } from "./index-levels";

/** Weights within this of a limit sit on it (the capping loop and the solver stop well inside it). */
const ON_LIMIT = 1e-9;

export interface PreviewRules {
  maxWeight?: number;
  minWeight?: number;
  groupCaps?: Readonly<Record<string, number>>;
  /** Sector per constituent, for the group caps. */
  sectors?: Readonly<Record<string, string | null>>;
  maxTurnover?: number;
}

export interface PreviewWeight {
  symbol: string;
  weight_before_caps: number;
  weight: number;
  /** True when this weight sits on a limit that binds: max_weight, min_weight or its sector's group cap. */
  capped: boolean;
}

export interface BindingCap {
  cap: "max_weight" | "min_weight" | "group_cap" | "max_turnover";
  /** The limit in force (a per-asset cap widened to 1/n when too few names were eligible). */
  limit: number;
  /** The sector, for a group cap. */
  group?: string;
  /** The constituents sitting on the limit (for a group cap, its members; for max_turnover, none). */
  symbols: string[];
}

/** Each weight with whether the caps moved it (by more than ON_LIMIT), in the rebalance's own order. */
function movedWeights(rebalance: Rebalance): Array<Omit<PreviewWeight, "capped"> & { moved: boolean }> {
  return Object.entries(rebalance.weights_after).map(([symbol, weight]) => {
    const before = rebalance.weights_before[symbol] ?? 0;
    return { symbol, weight_before_caps: before, weight, moved: Math.abs(weight - before) > ON_LIMIT };
  });
}

/**
 * The rebalance's weights in its own order (the engine's: the definition's order of eligible names); `capped`
 * names those held on a binding limit (`binding`: what `bindingCaps` found for it), not those the redistribution
 * merely raised (compare `weight` with `weight_before_caps` for that).
 */
export function previewWeights(rebalance: Rebalance, binding: readonly BindingCap[]): PreviewWeight[] {
  const held = new Set(binding.filter((c) => c.cap !== "max_turnover").flatMap((c) => c.symbols));
  return movedWeights(rebalance).map(({ moved: _moved, ...w }) => ({ ...w, capped: held.has(w.symbol) }));
}

/**
 * The caps that bind: a per-asset cap binds on the names the caps moved onto it; a
 * group cap when its sector's total sits on it and a member was moved; `max_turnover` when the trade sits
 * on the limit (it never applies to the first rebalance, bought from cash).
 */
export function bindingCaps(rebalance: Rebalance, rules: PreviewRules, first: boolean): BindingCap[] {
  const weights = movedWeights(rebalance);
  const k = weights.length;
  const out: BindingCap[] = [];
  // Moved by the caps and left on this limit (pushed there, or raised to it by redistribution).
  const onLimit = (limit: number) =>
    weights.filter((w) => w.moved && Math.abs(w.weight - limit) <= ON_LIMIT).map((w) => w.symbol);
  if (rules.maxWeight !== undefined && k > 0) {
    const limit = Math.max(rules.maxWeight, 1 / k);
    const symbols = onLimit(limit);
    if (symbols.length > 0) out.push({ cap: "max_weight", limit, symbols });
  }
  if (rules.minWeight !== undefined && rules.minWeight > 0 && k > 0) {
    const limit = Math.min(rules.minWeight, 1 / k);
    const symbols = onLimit(limit);
    if (symbols.length > 0) out.push({ cap: "min_weight", limit, symbols });
  }
  for (const [group, limit] of Object.entries(rules.groupCaps ?? {})) {
    const members = weights.filter((w) => rules.sectors?.[w.symbol] === group);
    const total = members.reduce((sum, w) => sum + w.weight, 0);
    if (members.some((w) => w.moved) && Math.abs(total - limit) <= ON_LIMIT)
      out.push({ cap: "group_cap", limit, group, symbols: members.map((w) => w.symbol) });
  }
  if (!first && rules.maxTurnover !== undefined && Math.abs(rebalance.turnover - rules.maxTurnover) <= ON_LIMIT)
    out.push({ cap: "max_turnover", limit: rules.maxTurnover, symbols: [] });
  return out;
}

export interface PreviewTrade {
  /** Per symbol held before or after: the drifted weight in force and the change the rebalance makes. */
  changes: { symbol: string; weight_in_force: number; weight: number; change: number }[];
  /** One-way turnover, 0.5 Σ|Δw| (1 when nothing is held yet), as the rebalances report it. */
  turnover: number;
  /** Σ|Δw|: the value traded, buys and sells, as a fraction of the index level. */
  traded: number;
  /** traded × fee_bps / 10,000: the fee as a fraction of the index level. */
  cost: number;
}

/** The trade from the weights in force to the rebalance's weights, and its fee at `feeBps`. */
export function previewTrade(rebalance: Rebalance, feeBps: number): PreviewTrade {
  const inForce = rebalance.weights_in_force ?? {};
  const symbols = [
    ...Object.keys(rebalance.weights_after),
    ...Object.keys(inForce).filter((s) => !(s in rebalance.weights_after)),
  ];
  const changes = symbols.map((symbol) => {
    const before = inForce[symbol] ?? 0;
    const weight = rebalance.weights_after[symbol] ?? 0;
    return { symbol, weight_in_force: before, weight, change: weight - before };
  });
  const traded = changes.reduce((sum, c) => sum + Math.abs(c.change), 0);
  return { changes, turnover: rebalance.turnover, traded, cost: (traded * feeBps) / 10_000 };
}
