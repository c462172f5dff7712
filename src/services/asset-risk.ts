// Per-asset risk reads: candlestick patterns on adjusted bars and volatility forecasts of adjusted returns.
import type { Config } from "../config";
import { readBars } from "../db/prices";
import { type Candle, findPatterns, PATTERN_KINDS, type PatternKind } from "../domain/candlestick-patterns";
import { dailyReturns } from "../domain/metrics";
import { ewmaForecast, garchForecast } from "../domain/volatility-forecast";
import { ApiError } from "../errors";
import { type Cached, readThrough } from "./cache";

/** More bars than any daily history holds. */
const ALL_BARS = 10_000;
/** Candles read before `start`, so TA-Lib's 10-candle averages are warm on the first day asked about. */
const WARM_UP_DAYS = 30;

const shiftDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Validated pattern kinds from `?kinds=a,b` (all by default); an unknown one is a 400 on `kinds`. */
export function parseKinds(kinds: string | undefined): PatternKind[] {
  if (!kinds) return [...PATTERN_KINDS];
  const list = [
    ...new Set(
      kinds
        .split(",")
        .map((k) => k.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = list.filter((k) => !(PATTERN_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0 || list.length === 0) {
    throw ApiError.validation(`Unknown pattern kinds: ${unknown.join(", ") || "(none)"}`, [
      { path: "kinds", message: `each must be one of ${PATTERN_KINDS.join(", ")}` },
    ]);
  }
  return list as PatternKind[];
}

/** Candles on the split- and dividend-adjusted scale (every price × adj_close/close of its day). */
async function adjustedCandles(db: D1Database, assetId: number, start: string, end: string): Promise<Candle[]> {
  const rows = await readBars(db, { assetId, start, end, order: "asc", limit: ALL_BARS });
  return rows.map((r) => {
    const f = r.close > 0 ? r.adj_close / r.close : 1;
    return { date: r.date, open: r.open * f, high: r.high * f, low: r.low * f, close: r.adj_close };
  });
}

export async function assetPatterns(
  db: D1Database,
  assetId: number,
  range: { start: string; end: string },
  kinds: PatternKind[],
) {
  const candles = await adjustedCandles(db, assetId, shiftDays(range.start, -WARM_UP_DAYS), range.end);
  return findPatterns(candles, kinds).filter((h) => h.date >= range.start);
}

export async function assetVolatilityForecast(
  db: D1Database,
  assetId: number,
  model: "ewma" | "garch",
  horizon: number,
) {
  const rows = await readBars(db, { assetId, order: "asc", limit: ALL_BARS });
  const last = rows[rows.length - 1];
  if (!last || rows.length < 3) throw new ApiError("conflict", "the asset has fewer than three daily bars");
  const returns = dailyReturns(rows.map((r) => r.adj_close));
  const base = { date: last.date, observations: returns.length, horizon };
  if (model === "ewma") {
    const f = ewmaForecast(returns);
    return { ...base, model: "ewma" as const, lambda: f.lambda, annualized_volatility: f.annualized_volatility };
  }
  const f = garchForecast(returns, horizon);
  if (f.model === "garch") {
    return {
      ...base,
      model: "garch" as const,
      omega: f.omega,
      alpha: f.alpha,
      beta: f.beta,
      annualized_volatility: f.annualized_volatility,
    };
  }
  return {
    ...base,
    model: "ewma" as const,
    lambda: f.lambda,
    annualized_volatility: f.annualized_volatility,
    fallback_reason: f.fallback_reason,
  };
}

/** A per-asset risk answer, cached in the symbol's `prices:<symbol>` namespace (bumped when its bars change). */
export function cachedAssetAnswer<T>(
  env: Env,
  cfg: Config,
  symbol: string,
  key: string,
  load: () => Promise<T>,
): Promise<Cached<T>> {
  return readThrough(env.CACHE, `prices:${symbol}`, key, cfg.CACHE_TTL_SECONDS, load);
}
