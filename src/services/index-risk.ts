// An index's risk model on today's weights: covariance, risk contributions, volatility forecasts, factor
// view, rolling metrics and stress tests. Reads through db/, decides nothing itself: the numbers come from domain/.
import type { Config } from "../config";
import { readAssetsWithSectors, readSectorMembers, type SectorAsset } from "../db/assets";
import { type IndexRow, readAllocationOn, readLevels } from "../db/indexes";
import { readAdjustedSeries } from "../db/prices";
import { type CovarianceMatrix, estimateCovariance, portfolioVariance } from "../domain/covariance";
import { principalComponents, regressReturns } from "../domain/factor-risk";
import { dailyReturns, type LevelPoint, maxDrawdown, TRADING_DAYS_PER_YEAR } from "../domain/metrics";
import { buildPriceMatrix, closeOnOrBefore, type PriceHistory, type PriceMatrix } from "../domain/price-matrix";
import { DEFAULT_LOOKBACK_DAYS, lookbackReturns } from "../domain/rebalance-targets";
import { riskContributions } from "../domain/risk-contributions";
import { type RollingMetric, rollingMetric } from "../domain/rolling-metrics";
import { applyShocks, type Holding, replayWindow, type StressShocks, worstWindow } from "../domain/stress";
import { ewmaForecast, garchForecast } from "../domain/volatility-forecast";
import { ApiError } from "../errors";
import type { StoredDefinition } from "../schemas/indexes";
import type { Cached } from "./cache";
import { assetLevels, benchmarkRead, loadOwnedIndex, readyVersionOf, resolveBenchmark } from "./index-reads";

/** Sector factor returns average at most this many names per sector. */
const SECTOR_PEERS = 50;
/** Principal components reported. */
const PCA_COMPONENTS = 3;
/** Forecast horizon of the index risk view (sessions). */
const RISK_HORIZON = 21;

const daysBefore = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

async function historyOf(
  db: D1Database,
  assets: readonly { id: number; symbol: string }[],
  start: string,
  end: string,
): Promise<PriceHistory> {
  const bySymbol = new Map(assets.map((a) => [a.id, a.symbol]));
  const out: Record<string, { date: string; close: number }[]> = {};
  for (let i = 0; i < assets.length; i += 50) {
    const page = await readAdjustedSeries(
      db,
      assets.slice(i, i + 50).map((a) => a.id),
      start,
      end,
    );
    for (const r of page)
      out[bySymbol.get(r.asset_id) as string] = r.dates.map((date, k) => ({ date, close: r.closes[k] as number }));
  }
  return out;
}

interface Snapshot {
  date: string;
  lookback: number;
  covarianceMethod: "sample" | "ledoit_wolf";
  holdings: (SectorAsset & { weight: number })[];
  matrix: PriceMatrix;
  /** Lookback returns of the holdings (columns in `holdings` order). */
  returns: { observations: number; assets: number; values: Float64Array };
  cov: CovarianceMatrix;
  weights: Float64Array;
  levels: LevelPoint[];
}

/**
 * Today's holdings (the latest allocation's units × the last adjusted closes, renormalised) and their
 * lookback returns ending on the index's last date. A holding without a price over the whole lookback is
 * dropped from the covariance and its weight shared pro rata (the answer lists only what it used).
 */
async function snapshot(db: D1Database, row: IndexRow, version: number): Promise<Snapshot> {
  const definition = row.definition as StoredDefinition;
  const levels = (await readLevels(db, row.id, version)).map((l) => ({ date: l.date, value: l.value }));
  const last = levels[levels.length - 1];
  if (!last) throw new ApiError("conflict", "index has no values yet");
  const allocation = await readAllocationOn(db, row.id, version, null);
  const lookback = definition.lookback_days ?? DEFAULT_LOOKBACK_DAYS;
  const assets = await readAssetsWithSectors(
    db,
    allocation.map((a) => a.symbol),
  );
  const history = await historyOf(db, assets, daysBefore(last.date, Math.ceil(lookback * 1.5) + 14), last.date);
  const matrix = buildPriceMatrix(
    history,
    assets.map((a) => a.symbol),
    { start: daysBefore(last.date, Math.ceil(lookback * 1.5)), end: last.date },
  );
  const t = matrix.dates.length;
  const unitsOf = new Map(allocation.map((a) => [a.symbol, a.shares ?? 0]));
  const kept: number[] = [];
  for (let s = 0; s < assets.length; s++) {
    const first = matrix.firstDay[s] as number;
    if (first >= 0 && t - 1 - first >= 20) kept.push(s);
  }
  if (kept.length === 0) throw new ApiError("conflict", "no holding has 20 daily returns of history to model");
  const values = kept.map(
    (s) => (unitsOf.get(assets[s]?.symbol as string) ?? 0) * (matrix.closes[(t - 1) * assets.length + s] as number),
  );
  const total = values.reduce((a, b) => a + b, 0);
  const holdings = kept.map((s, j) => ({
    ...(assets[s] as SectorAsset),
    weight: total > 0 ? (values[j] as number) / total : 1 / kept.length,
  }));
  const returns = lookbackReturns(matrix, kept, t, lookback);
  const covarianceMethod = definition.covariance ?? "ledoit_wolf";
  const cov = estimateCovariance(returns, covarianceMethod);
  return {
    date: matrix.dates[t - 1] as string,
    lookback,
    covarianceMethod,
    holdings,
    matrix,
    returns,
    cov,
    weights: Float64Array.from(holdings, (h) => h.weight),
    levels,
  };
}

/** Σ_i w_i r_i per lookback day: today's weights held through the lookback. */
function portfolioReturns(snap: Snapshot): Float64Array {
  const { observations, assets, values } = snap.returns;
  const out = new Float64Array(observations);
  for (let d = 0; d < observations; d++) {
    let s = 0;
    for (let j = 0; j < assets; j++) s += (snap.weights[j] as number) * (values[d * assets + j] as number);
    out[d] = s;
  }
  return out;
}

/** The benchmark's adjusted closes over the snapshot's lookback dates. */
async function benchmarkOver(db: D1Database, cfg: Config, row: IndexRow, start: string, end: string) {
  const symbol = row.benchmarkUsed ?? (row.definition as StoredDefinition).benchmark;
  const asset = await resolveBenchmark(db, cfg, symbol, { start, end });
  if (!asset) return null;
  return { symbol: asset.symbol, levels: await assetLevels(db, asset.id, start, end) };
}

/** Daily returns of `levels` on the snapshot's lookback return dates (carry forward; 0 before the first). */
function onLookbackDates(snap: Snapshot, levels: readonly LevelPoint[]): Float64Array {
  const dates = snap.matrix.dates;
  const obs = snap.returns.observations;
  const endDay = dates.length - 1;
  const points = levels.map((l) => ({ date: l.date, close: l.value }));
  const out = new Float64Array(obs);
  for (let d = 0; d < obs; d++) {
    const a = closeOnOrBefore(points, dates[endDay - obs + d] as string);
    const b = closeOnOrBefore(points, dates[endDay - obs + d + 1] as string);
    out[d] = a && b ? b / a - 1 : 0;
  }
  return out;
}

/** Euler risk contributions of today's holdings, the annualised marginal risk per unit of weight. */
function contributionsOf(snap: Snapshot) {
  const root = Math.sqrt(TRADING_DAYS_PER_YEAR);
  return riskContributions(snap.cov, snap.weights).map((c, j) => ({
    symbol: snap.holdings[j]?.symbol as string,
    weight: c.weight,
    marginal: c.marginal * root,
    contribution_pct: c.contribution_pct,
  }));
}

export interface RiskContributionsNow {
  date: string;
  /** Daily returns the covariance was estimated from. */
  sessions: number;
  contributions: ReturnType<typeof contributionsOf>;
}

/**
 * The contributions `GET /v1/indexes/{id}/risk` answers, for the insights and the report: the same snapshot,
 * covariance and Euler split. Null where the risk route answers 409 (no values, no holding with enough history).
 */
export async function riskContributionsNow(
  db: D1Database,
  row: IndexRow,
  version: number,
): Promise<RiskContributionsNow | null> {
  try {
    const snap = await snapshot(db, row, version);
    return { date: snap.date, sessions: snap.returns.observations, contributions: contributionsOf(snap) };
  } catch (err) {
    if (err instanceof ApiError && err.code === "conflict") return null;
    throw err;
  }
}

export async function indexRisk(db: D1Database, cfg: Config, row: IndexRow, version: number) {
  const snap = await snapshot(db, row, version);
  const contributions = contributionsOf(snap);
  const indexReturns = dailyReturns(snap.levels.map((l) => l.value));
  const ewma = ewmaForecast(indexReturns);
  const garch = garchForecast(indexReturns, RISK_HORIZON);
  const rp = portfolioReturns(snap);
  const firstDate = snap.matrix.dates[snap.matrix.dates.length - 1 - snap.returns.observations] as string;
  const bench = await benchmarkOver(db, cfg, row, firstDate, snap.date);
  const market = bench ? regressReturns(rp, [onLookbackDates(snap, bench.levels)]) : null;

  const sectors = [...new Set(snap.holdings.map((h) => h.sector).filter((s): s is string => !!s))];
  // Keyed by sector names an admin typed: no prototype, so "constructor" or "__proto__" is just a sector.
  const sectorWeights: Record<string, number> = Object.create(null);
  for (const h of snap.holdings) if (h.sector) sectorWeights[h.sector] = (sectorWeights[h.sector] ?? 0) + h.weight;
  const sectorExposures: Record<string, number> = Object.create(null);
  if (sectors.length > 0 && snap.returns.observations > sectors.length + 2) {
    const peers = await readSectorMembers(db, sectors, SECTOR_PEERS);
    const history = await historyOf(db, peers, daysBefore(firstDate, 14), snap.date);
    const factors = sectors.map((sector) => {
      const members = peers
        .filter((p) => p.sector === sector)
        .map((p) => (history[p.symbol] ?? []).map((x) => ({ date: x.date, value: x.close })));
      const sum = new Float64Array(snap.returns.observations);
      let count = 0;
      for (const m of members) {
        if (m.length < 2) continue;
        const r = onLookbackDates(snap, m);
        for (let d = 0; d < r.length; d++) sum[d] = (sum[d] as number) + (r[d] as number);
        count++;
      }
      return count > 0 ? sum.map((x) => x / count) : sum;
    });
    const fit = regressReturns(rp, factors);
    if (fit) for (const [k, sector] of sectors.entries()) sectorExposures[sector] = fit.betas[k] as number;
  }
  const pca = principalComponents(snap.cov, PCA_COMPONENTS).map((pc) => ({
    explained_variance: pc.explained_variance,
    loadings: Object.fromEntries(snap.holdings.map((h, j) => [h.symbol, pc.loadings[j] as number])),
  }));
  return {
    date: snap.date,
    lookback_days: snap.lookback,
    covariance: snap.covarianceMethod,
    volatility: Math.sqrt(portfolioVariance(snap.cov, snap.weights) * TRADING_DAYS_PER_YEAR),
    volatility_forecast: {
      ewma: {
        model: "ewma" as const,
        lambda: ewma.lambda,
        annualized_volatility: ewma.annualized_volatility,
        horizon: RISK_HORIZON,
      },
      garch:
        garch.model === "garch"
          ? {
              model: "garch" as const,
              omega: garch.omega,
              alpha: garch.alpha,
              beta: garch.beta,
              annualized_volatility: garch.annualized_volatility,
              horizon: RISK_HORIZON,
            }
          : {
              model: "ewma" as const,
              lambda: garch.lambda,
              annualized_volatility: garch.annualized_volatility,
              horizon: RISK_HORIZON,
              fallback_reason: garch.fallback_reason,
            },
    },
    contributions,
    factors: {
      benchmark_used: bench?.symbol ?? null,
      market_beta: market?.betas[0] ?? null,
      sector_exposures: sectorExposures,
      sector_weights: sectorWeights,
      pca,
    },
    r_squared: market?.r_squared ?? null,
    specific_risk: market?.specific_risk ?? null,
  };
}

export async function indexRolling(
  db: D1Database,
  cfg: Config,
  row: IndexRow,
  version: number,
  metric: RollingMetric,
  window: number,
) {
  const levels = (await readLevels(db, row.id, version)).map((l) => ({ date: l.date, value: l.value }));
  const first = levels[0];
  const last = levels[levels.length - 1];
  let bench: { symbol: string; levels: LevelPoint[] } | null = null;
  if (metric === "beta" && first && last) bench = await benchmarkOver(db, cfg, row, first.date, last.date);
  if (metric === "beta" && !bench)
    throw ApiError.validation(
      "No benchmark has prices over the index's history",
      [{ path: "metric", message: "beta needs a benchmark" }],
      422,
    );
  return {
    metric,
    window,
    benchmark_used: bench?.symbol ?? null,
    data: rollingMetric(metric, levels, window, { benchmark: bench?.levels, riskFreeRate: cfg.RISK_FREE_RATE }),
  };
}

export async function indexStress(
  db: D1Database,
  cfg: Config,
  row: IndexRow,
  version: number,
  scenarios: { name: string; shocks: StressShocks }[] | undefined,
) {
  const snap = await snapshot(db, row, version);
  const firstDate = snap.matrix.dates[snap.matrix.dates.length - 1 - snap.returns.observations] as string;
  const full = snap.levels[0]?.date ?? firstDate;
  const from = [full, firstDate].sort()[0] as string; // the whole history, for the benchmark's worst drawdown
  const bench = await benchmarkOver(db, cfg, row, from, snap.date);
  const benchReturns = bench ? onLookbackDates(snap, bench.levels) : null;
  const holdings: Holding[] = snap.holdings.map((h, j) => {
    let beta: number | null = null;
    if (benchReturns) {
      const own = Float64Array.from(
        { length: snap.returns.observations },
        (_, d) => snap.returns.values[d * snap.returns.assets + j] as number,
      );
      beta = regressReturns(own, [benchReturns])?.betas[0] ?? null;
    }
    return { symbol: h.symbol, weight: h.weight, sector: h.sector, beta };
  });
  const results: unknown[] = [];
  if (scenarios) {
    for (const s of scenarios) {
      const out = applyShocks(holdings, s.shocks);
      results.push({ name: s.name, kind: "hypothetical", index_return: out.index_return, holdings: out.holdings });
    }
  } else {
    const windows: { name: string; start: string; end: string; realised: number | null }[] = [];
    for (const k of [5, 20, 60]) {
      const w = worstWindow(snap.levels, k);
      if (w) windows.push({ name: `worst_${k}_sessions`, start: w.start, end: w.end, realised: w.return });
    }
    if (bench) {
      const dd = maxDrawdown(bench.levels);
      if (dd.start && dd.end)
        windows.push({ name: "benchmark_worst_drawdown", start: dd.start, end: dd.end, realised: null });
    }
    const assets = snap.holdings.map((h) => ({ id: h.id, symbol: h.symbol }));
    for (const w of windows) {
      const history = await historyOf(db, assets, daysBefore(w.start, 14), w.end);
      const priceAt = (symbol: string, date: string) => {
        const points = history[symbol];
        if (!points || points.length === 0 || (points[0] as { date: string }).date > date) return undefined;
        return closeOnOrBefore(points, date);
      };
      const benchPoints = bench?.levels.map((l) => ({ date: l.date, close: l.value })) ?? [];
      const b0 = closeOnOrBefore(benchPoints, w.start);
      const b1 = closeOnOrBefore(benchPoints, w.end);
      const benchMove = b0 && b1 ? b1 / b0 - 1 : null;
      const out = replayWindow(holdings, priceAt, w, benchMove);
      results.push({
        name: w.name,
        kind: "historical",
        index_return: out.index_return,
        start: w.start,
        end: w.end,
        realised_return: w.name === "benchmark_worst_drawdown" ? benchMove : w.realised,
        proxied: [...out.proxied, ...out.flat],
      });
    }
  }
  return { date: snap.date, benchmark_used: bench?.symbol ?? null, results };
}

/**
 * A risk answer about the caller's index (404 for anyone else's, 409 before its first build), cached under
 * `index:<id>` with the ready version, the risk-free rate and the benchmarks' data versions in the key.
 */
export async function cachedIndexAnswer<T>(
  env: Env,
  cfg: Config,
  ownerId: string,
  id: string,
  key: string,
  load: (row: IndexRow, version: number) => Promise<T>,
): Promise<Cached<T>> {
  const row = await loadOwnedIndex(env.DB, ownerId, id);
  const version = readyVersionOf(row);
  // Risk answers read the benchmark (market beta, stress replays): its data version is in the key as well.
  const benchmark = row.benchmarkUsed ?? (row.definition as StoredDefinition).benchmark;
  return benchmarkRead(env, cfg, row, version, `${key}:${cfg.RISK_FREE_RATE}`, benchmark, () => load(row, version));
}
