// Insights: plain sentences about an index computed from its numbers, ranked by importance, each with the
// figures it quotes. Deterministic: the same inputs give the same sentences, word for word.
import {
  capBinding,
  type DrawdownEpisode,
  drawdownEpisodes,
  MIN_RISK_OBSERVATIONS,
  type RebalanceRecord,
  RISK_WINDOW,
  type RiskShare,
} from "./insight-facts";
import { type Figures, pct, round, show } from "./insight-figures";
import {
  alignByDate,
  dailyReturns,
  type LevelPoint,
  relativeMetrics,
  sampleStdev,
  TRADING_DAYS_PER_YEAR,
} from "./metrics";
import { classifyRegimes } from "./regime";
import { garchForecast } from "./volatility-forecast";

export type InsightKind =
  | "risk_concentration"
  | "drawdown"
  | "current_drawdown"
  | "tracking"
  | "binding_caps"
  | "turnover"
  | "regime"
  | "volatility_forecast"
  | "data_events";

export interface Insight {
  kind: InsightKind;
  text: string;
  figures: Figures;
  /** 0..1, from the numbers (how far they are from unremarkable); the list is sorted by it. */
  importance: number;
}

export interface DataEvent {
  symbol: string;
  kind: "split" | "dividend";
  date: string;
  ratio: number | null;
  amount: number | null;
}

export interface InsightInputs {
  levels: readonly LevelPoint[];
  benchmark: { symbol: string; levels: readonly LevelPoint[] } | null;
  /** Every rebalance of the version, ascending; the first is the base allocation. */
  rebalances: readonly RebalanceRecord[];
  maxWeight: number | null;
  minWeight: number | null;
  /** The weights of the latest rebalance. */
  allocation: { date: string; weights: Record<string, number> } | null;
  /** Today's risk contributions as the risk route computes them, over `sessions` daily returns; null without. */
  risk: { shares: readonly RiskShare[]; sessions: number } | null;
  version: number;
  builtAt: string | null;
  events: { actions: readonly DataEvent[]; revisedBars: number };
  riskFreeRate?: number;
}

export { MIN_RISK_OBSERVATIONS, RISK_WINDOW } from "./insight-facts";
/** A drawdown deeper than this counts as an episode worth naming. */
export const EPISODE_THRESHOLD = 0.1;
/** Forecast horizon (sessions) of the volatility sentence. */
export const FORECAST_HORIZON = 21;

const clamp = (x: number) => Math.max(0, Math.min(1, x));
const lastOf = <T>(xs: readonly T[]) => xs[xs.length - 1];

function riskConcentration(input: InsightInputs): Insight | null {
  const risk = input.risk;
  if (!risk || risk.shares.length < 2) return null;
  const contributions = [...risk.shares].sort(
    (a, b) => b.contribution_pct - a.contribution_pct || a.symbol.localeCompare(b.symbol),
  );
  const top = contributions[0]!;
  const figures: Figures = {
    symbol: top.symbol,
    risk_share_pct: pct(top.contribution_pct),
    weight_pct: pct(top.weight),
    sessions: risk.sessions,
  };
  let text = `${top.symbol} carries ${show(figures.risk_share_pct as number)}% of the index's risk with ${show(figures.weight_pct as number)}% of its weight, over the last ${risk.sessions} sessions.`;
  if (contributions.length >= 4) {
    const top3 = contributions.slice(0, 3);
    figures.top_count = 3;
    figures.top_risk_share_pct = pct(top3.reduce((a, c) => a + c.contribution_pct, 0));
    figures.top_weight_pct = pct(top3.reduce((a, c) => a + c.weight, 0));
    top3.forEach((c, i) => {
      figures[`top_symbol_${i + 1}`] = c.symbol;
    });
    text += ` The top 3 (${top3.map((c) => c.symbol).join(", ")}) carry ${show(figures.top_risk_share_pct as number)}% of the risk with ${show(figures.top_weight_pct as number)}% of the weight.`;
  }
  const ratio = top.weight > 0 ? top.contribution_pct / top.weight : 1;
  return {
    kind: "risk_concentration",
    text,
    figures,
    importance: clamp(0.3 + 0.4 * (ratio - 1) + 0.3 * top.contribution_pct),
  };
}

function deepest(episodes: readonly DrawdownEpisode[]): DrawdownEpisode | undefined {
  return episodes.reduce<DrawdownEpisode | undefined>((a, e) => (!a || e.depth < a.depth ? e : a), undefined);
}

function drawdowns(input: InsightInputs): Insight[] {
  const episodes = drawdownEpisodes(input.levels);
  const out: Insight[] = [];
  const worst = deepest(episodes);
  if (worst) {
    const figures: Figures = {
      depth_pct: pct(worst.depth),
      peak_date: worst.peak_date,
      trough_date: worst.trough_date,
      sessions: worst.sessions,
    };
    let text = `The deepest drawdown was ${show(figures.depth_pct as number)}%, from the peak on ${worst.peak_date} to the trough on ${worst.trough_date}`;
    if (worst.recovery_date) {
      figures.recovery_date = worst.recovery_date;
      text += `; it recovered on ${worst.recovery_date}, ${worst.sessions} sessions after the peak.`;
    } else text += `; it has not recovered, ${worst.sessions} sessions after the peak.`;
    const deep = episodes.filter((e) => e.depth <= -EPISODE_THRESHOLD).length;
    if (deep > 1) {
      figures.episodes = deep;
      figures.threshold_pct = pct(EPISODE_THRESHOLD);
      text += ` ${deep} drawdowns went deeper than ${show(figures.threshold_pct as number)}%.`;
    }
    out.push({ kind: "drawdown", text, figures, importance: clamp(-worst.depth / 0.3) });
  }
  const open = lastOf(episodes);
  if (open && open.recovery_date === null) {
    const lastLevel = lastOf(input.levels) as LevelPoint;
    const peak = input.levels.find((l) => l.date === open.peak_date) as LevelPoint;
    const below = lastLevel.value / peak.value - 1;
    if (below <= -0.01) {
      const figures: Figures = { below_peak_pct: pct(below), peak_date: open.peak_date, date: lastLevel.date };
      out.push({
        kind: "current_drawdown",
        text: `On ${lastLevel.date} the index is ${show(figures.below_peak_pct as number)}% below its peak of ${open.peak_date}.`,
        figures,
        importance: clamp(0.2 - below / 0.2),
      });
    }
  }
  return out;
}

function tracking(input: InsightInputs): Insight | null {
  const bench = input.benchmark;
  if (!bench) return null;
  const joined = alignByDate(input.levels, bench.levels);
  if (joined.dates.length < 3) return null;
  const rel = relativeMetrics(input.levels, bench.levels, { riskFreeRate: input.riskFreeRate ?? 0 });
  if (rel.tracking_error === null || rel.correlation === null) return null;
  const indexReturn = (lastOf(joined.a) as number) / (joined.a[0] as number) - 1;
  const benchReturn = (lastOf(joined.b) as number) / (joined.b[0] as number) - 1;
  const figures: Figures = {
    benchmark: bench.symbol,
    start: joined.dates[0] as string,
    index_return_pct: pct(indexReturn),
    benchmark_return_pct: pct(benchReturn),
    excess_return_pct: round(pct(indexReturn) - pct(benchReturn)),
    tracking_error_pct: pct(rel.tracking_error),
    correlation: round(rel.correlation, 2),
  };
  const excess = figures.excess_return_pct as number;
  const side = excess > 0 ? "ahead of" : excess < 0 ? "behind" : "level with";
  const word = (x: number) => (x < 0 ? "lost" : "returned");
  const text =
    `Since ${figures.start} the index ${word(indexReturn)} ${show(figures.index_return_pct as number)}% and ${bench.symbol} ${word(benchReturn)} ${show(figures.benchmark_return_pct as number)}%: ` +
    `${show(excess)} points ${side} it, with a tracking error of ${show(figures.tracking_error_pct as number)}% a year and a correlation of ${show(figures.correlation as number, 2)}.`;
  return {
    kind: "tracking",
    text,
    figures,
    importance: clamp(0.15 + Math.abs(excess) / 20 + (1 - rel.correlation) / 2),
  };
}

function bindingCaps(input: InsightInputs): Insight | null {
  if (input.maxWeight === null && input.minWeight === null) return null;
  if (input.rebalances.length === 0) return null;
  const b = capBinding(input.rebalances);
  const figures: Figures = { rebalances: b.rebalances };
  const parts: string[] = [];
  if (input.maxWeight !== null) {
    figures.max_weight_pct = pct(input.maxWeight);
    const cap = `the ${show(figures.max_weight_pct as number)}% cap`;
    if (b.capped_rebalances === 0) parts.push(`${cap} never bound in ${b.rebalances} rebalances`);
    else {
      figures.capped_rebalances = b.capped_rebalances;
      const [symbol, count] = [...b.capped_symbols].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]!;
      figures.most_capped_symbol = symbol;
      figures.most_capped_count = count;
      parts.push(
        `${cap} bound at ${b.capped_rebalances} of ${b.rebalances} rebalances, most often on ${symbol} (${count} ${count === 1 ? "time" : "times"})`,
      );
    }
  }
  if (input.minWeight !== null) {
    figures.min_weight_pct = pct(input.minWeight);
    figures.floored_rebalances = b.floored_rebalances;
    parts.push(
      `the ${show(figures.min_weight_pct as number)}% floor lifted a weight at ${b.floored_rebalances} of ${b.rebalances} rebalances`,
    );
  }
  const text = `${parts.join("; ")}.`;
  const share = b.rebalances > 0 ? Math.max(b.capped_rebalances, b.floored_rebalances) / b.rebalances : 0;
  return {
    kind: "binding_caps",
    text: text[0]!.toUpperCase() + text.slice(1),
    figures,
    importance: clamp(0.15 + 0.5 * share),
  };
}

function turnover(input: InsightInputs): Insight | null {
  // The first rebalance is the base allocation (bought from cash), not a rebalance trade.
  const later = input.rebalances.slice(1);
  const first = input.levels[0];
  const last = lastOf(input.levels);
  if (later.length === 0 || !first || !last) return null;
  const total = later.reduce((a, r) => a + r.turnover, 0);
  const years = (input.levels.length - 1) / TRADING_DAYS_PER_YEAR;
  const figures: Figures = { average_turnover_pct: pct(total / later.length), rebalances: later.length };
  let text = `Each of the ${later.length} rebalances after the base date traded ${show(figures.average_turnover_pct as number)}% of the index on average`;
  if (years >= 0.5) {
    figures.annual_turnover_pct = pct(total / years);
    text += `, about ${show(figures.annual_turnover_pct as number)}% a year`;
  }
  return { kind: "turnover", text: `${text}.`, figures, importance: clamp((total / later.length / 0.5) * 0.6) };
}

const REGIME_WEIGHT = { high_volatility: 0.75, bear: 0.65, bull: 0.35, sideways: 0.25 } as const;
const REGIME_WORDS = {
  bull: "a bull regime: above its rising",
  bear: "a bear regime: below its falling",
  sideways: "a sideways regime: trend and level disagree around its",
  high_volatility: "a high-volatility regime, whatever the trend of its",
} as const;

function regime(input: InsightInputs): Insight | null {
  const days = classifyRegimes(input.levels.map((l) => ({ date: l.date, close: l.value })));
  const now = lastOf(days);
  if (!now) return null;
  let k = days.length - 1;
  while (k > 0 && days[k - 1]!.regime === now.regime) k--;
  const since = days[k]!.date;
  const figures: Figures = {
    regime: now.regime,
    since,
    sessions: days.length - k,
    trend_window: 200,
    vol_window: 20,
    distance_pct: pct(now.inputs.close / now.inputs.sma - 1),
    volatility_pct: pct(now.inputs.volatility),
  };
  const side = (figures.distance_pct as number) >= 0 ? "above" : "below";
  const text =
    `The index is in ${REGIME_WORDS[now.regime]} ${figures.trend_window}-session average (${show(figures.distance_pct as number)}% ${side} it), ` +
    `with ${show(figures.volatility_pct as number)}% annualised volatility over ${figures.vol_window} sessions; the regime has held since ${since} (${figures.sessions} ${figures.sessions === 1 ? "session" : "sessions"}).`;
  return { kind: "regime", text, figures, importance: REGIME_WEIGHT[now.regime] };
}

const FALLBACK_WORDS = {
  too_few_observations: "too few sessions for GARCH",
  did_not_converge: "the GARCH fit did not converge",
  non_stationary: "the GARCH fit was not stationary",
} as const;

function volatilityForecast(input: InsightInputs): Insight | null {
  const returns = dailyReturns(input.levels.map((l) => l.value));
  if (returns.length < MIN_RISK_OBSERVATIONS) return null;
  const recent = returns.slice(Math.max(0, returns.length - RISK_WINDOW));
  const realised = sampleStdev(recent) * Math.sqrt(TRADING_DAYS_PER_YEAR);
  const forecast = garchForecast(returns, FORECAST_HORIZON);
  const figures: Figures = {
    forecast_pct: pct(forecast.annualized_volatility),
    horizon: FORECAST_HORIZON,
    realised_pct: pct(realised),
    sessions: recent.length,
    model: forecast.model,
  };
  const ratio = realised > 0 ? forecast.annualized_volatility / realised : 1;
  const compare = ratio > 1.1 ? "above" : ratio < 0.9 ? "below" : "in line with";
  const how =
    forecast.model === "garch"
      ? "GARCH"
      : `EWMA, since ${FALLBACK_WORDS[(forecast as { fallback_reason: keyof typeof FALLBACK_WORDS }).fallback_reason]}`;
  const text = `Forecast volatility for the next ${FORECAST_HORIZON} sessions is ${show(figures.forecast_pct as number)}% a year (${how}), ${compare} the ${show(figures.realised_pct as number)}% realised over the last ${recent.length} sessions.`;
  return { kind: "volatility_forecast", text, figures, importance: clamp(0.2 + Math.abs(ratio - 1)) };
}

function describeEvent(e: DataEvent, i: number, figures: Figures): string {
  figures[`event_${i}_symbol`] = e.symbol;
  figures[`event_${i}_date`] = e.date;
  if (e.kind === "split") {
    figures[`event_${i}_ratio`] = round(e.ratio ?? 0, 4);
    return `${e.symbol} split with ratio ${figures[`event_${i}_ratio`]} on ${e.date}`;
  }
  figures[`event_${i}_amount`] = round(e.amount ?? 0, 4);
  return `${e.symbol} paid a dividend of ${figures[`event_${i}_amount`]} on ${e.date}`;
}

function dataEvents(input: InsightInputs): Insight | null {
  if (!input.builtAt) return null;
  const builtOn = input.builtAt.slice(0, 10);
  const figures: Figures = { version: input.version, built_on: builtOn };
  const { actions, revisedBars } = input.events;
  const since = `since version ${input.version} was built on ${builtOn}`;
  if (actions.length === 0 && revisedBars === 0) {
    return {
      kind: "data_events",
      text: `No split, dividend or revised bar of a constituent has been recorded ${since}.`,
      figures,
      importance: 0.05,
    };
  }
  const parts: string[] = [];
  if (actions.length > 0) {
    figures.corporate_actions = actions.length;
    const listed = actions.slice(0, 3).map((e, i) => describeEvent(e, i + 1, figures));
    const more = actions.length > 3 ? `, and ${actions.length - 3} more` : "";
    if (more) figures.more_actions = actions.length - 3;
    parts.push(
      `${actions.length} corporate ${actions.length === 1 ? "action was" : "actions were"} recorded (${listed.join("; ")}${more})`,
    );
  }
  if (revisedBars > 0) {
    figures.revised_bars = revisedBars;
    parts.push(`${revisedBars} ${revisedBars === 1 ? "bar was" : "bars were"} revised`);
  }
  const text = `${since[0]!.toUpperCase()}${since.slice(1)}, ${parts.join(" and ")}; the next build takes ${actions.length + revisedBars === 1 ? "it" : "them"} in.`;
  // New data the version has not taken in qualifies every other number: it goes first.
  return { kind: "data_events", text, figures, importance: 1 };
}

/** Every insight the inputs support, most important first (ties by kind, so the order is stable). */
export function indexInsights(input: InsightInputs): Insight[] {
  const all = [
    riskConcentration(input),
    ...drawdowns(input),
    tracking(input),
    bindingCaps(input),
    turnover(input),
    regime(input),
    volatilityForecast(input),
    dataEvents(input),
  ].filter((x): x is Insight => x !== null);
  return all
    .map((i) => ({ ...i, importance: round(i.importance, 3) }))
    .sort((a, b) => b.importance - a.importance || a.kind.localeCompare(b.kind));
}
