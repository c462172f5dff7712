// An index's methodology in words (Markdown), from its stored definition: what a reader needs to rebuild it.

export interface MethodologyInput {
  id: string;
  name: string;
  constituents: string[];
  weighting: string;
  weights: Record<string, number> | null;
  max_weight: number | null;
  min_weight: number | null;
  rebalance: string;
  base_date: string;
  base_value: number;
  benchmark: string | null;
  benchmark_used?: string | null;
  version?: number | null;
  methodology_hash?: string | null;
  data_as_of?: string | null;
}

const WEIGHTING: Record<string, string> = {
  equal: "Each constituent gets the same weight, 1/n of the index, at every rebalance.",
  market_cap:
    "Each constituent is weighted by its market capitalisation as known on the rebalance date (point in time).",
  price:
    "Each constituent is weighted by its close as quoted on the rebalance date, unadjusted for later splits and dividends (price-weighted, like the Dow).",
  custom: "Each constituent keeps the fixed target weight given in the definition, normalised to sum to 1.",
  inverse_volatility: "Weights are proportional to 1 / volatility of each constituent over the lookback.",
  min_variance: "Weights minimise the forecast variance of the index over the lookback (long only).",
  max_sharpe: "Weights maximise the forecast Sharpe ratio over the lookback (long only).",
  risk_parity: "Weights equalise each constituent's contribution to index risk over the lookback.",
  hrp: "Hierarchical risk parity: weights split top-down along a clustering of the constituents' correlations.",
};

const REBALANCE: Record<string, string> = {
  monthly: "on the first trading session of each month",
  quarterly: "on the first trading session of each quarter",
  annually: "on the first trading session of each year",
  none: "never after the base date (weights drift with prices)",
};

const pct = (x: number) => `${Math.round(x * 10_000) / 100}%`;

export function methodologyMarkdown(m: MethodologyInput): string {
  const lines = [`# ${m.name} (${m.id}) — methodology`, ""];
  lines.push(`- Constituents (${m.constituents.length}): ${m.constituents.join(", ")}`);
  lines.push(`- Weighting: \`${m.weighting}\`. ${WEIGHTING[m.weighting] ?? ""}`.trimEnd());
  if (m.weights) {
    const list = Object.entries(m.weights)
      .map(([s, w]) => `${s} ${pct(w)}`)
      .join(", ");
    lines.push(`- Target weights: ${list}`);
  }
  if (m.max_weight !== null || m.min_weight !== null) {
    const caps = [
      m.max_weight !== null ? `at most ${pct(m.max_weight)}` : null,
      m.min_weight !== null ? `at least ${pct(m.min_weight)}` : null,
    ].filter(Boolean);
    lines.push(
      `- Caps: each weight ${caps.join(" and ")}; excess over a cap is redistributed pro rata among the uncapped constituents until every weight holds.`,
    );
  }
  lines.push(`- Rebalance: ${m.rebalance}, ${REBALANCE[m.rebalance] ?? m.rebalance}.`);
  lines.push(`- Base: ${m.base_value} on ${m.base_date}.`);
  const benchmark = m.benchmark_used && m.benchmark_used !== m.benchmark ? `${m.benchmark_used} (fallback)` : null;
  lines.push(`- Benchmark: ${m.benchmark ?? "none"}${benchmark ? `; used: ${benchmark}` : ""}.`);
  if (m.version != null) lines.push(`- Version: ${m.version}`);
  if (m.methodology_hash) lines.push(`- Methodology hash: \`${m.methodology_hash}\``);
  if (m.data_as_of) lines.push(`- Data as of: ${m.data_as_of}`);
  lines.push(
    "",
    "Levels chain daily: the index moves by the weighted return of its constituents' adjusted closes (splits and dividends applied).",
    "A constituent without a price on a day carries its last price; one not yet listed joins at the next rebalance; a delisted one leaves at its last price.",
  );
  return `${lines.join("\n")}\n`;
}
