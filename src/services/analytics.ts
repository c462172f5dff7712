// Analytics over stored bars: indicators (over the whole history), correlation, anomalies and regimes (with warm-up).
import type { Config } from "../config";
import { latestBarDate, readBars, readPriceHistory } from "../db/prices";
import { detectAnomalies } from "../domain/anomalies";
import { correlationMatrix } from "../domain/correlation";
import { atr, bollinger, ema, macd, rsi, sma } from "../domain/indicators";
import { classifyRegimes } from "../domain/regime";
import { ApiError } from "../errors";
import { requireAsset } from "./assets";
import { type Cached, type CacheNamespace, readThrough } from "./cache";
import { resolveSymbols } from "./index-definitions";

export type IndicatorKind = "sma" | "ema" | "rsi" | "macd" | "bollinger" | "atr";

export interface AdjustedBar {
  date: string;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** More bars than any daily history holds (~40 years), so one read covers any range. */
const ALL_BARS = 10_000;

const shiftDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Bars on the adjusted scale (prices split- and dividend-adjusted, volume split-adjusted), ascending. */
export async function adjustedBars(
  db: D1Database,
  assetId: number,
  start: string,
  end: string,
): Promise<AdjustedBar[]> {
  const rows = await readBars(db, { assetId, start, end, order: "asc", limit: ALL_BARS, adjustment: "all" });
  return rows.map((r) => ({ date: r.date, high: r.high, low: r.low, close: r.close, volume: r.volume }));
}

/**
 * The asked range: `end` defaults to the latest bar (or `start`, when that is later: an empty range, as prices
 * answer), `start` to a year before `end`; a given start after a given end is a 400.
 */
export async function resolveRange(
  db: D1Database,
  assetIds: number[],
  start?: string,
  end?: string,
): Promise<{ start: string; end: string }> {
  const latest = end === undefined ? await latestBarDate(db, assetIds) : null;
  return rangeOf(start, end, latest);
}

function rangeOf(start: string | undefined, end: string | undefined, latest: string | null | undefined) {
  let to = end ?? latest ?? new Date().toISOString().slice(0, 10);
  if (end === undefined && start !== undefined && start > to) to = start;
  const from = start ?? shiftDays(to, -365);
  if (from > to) throw ApiError.validation("start is after end", [{ path: "start", message: "must not be after end" }]);
  return { start: from, end: to };
}

export const defaultWindow = (kind: IndicatorKind): number | null =>
  kind === "macd" ? null : kind === "rsi" || kind === "atr" ? 14 : 20;

/** An indicator's parameters: `window` (all but macd), `k` (bollinger), `fast`/`slow`/`signal` (macd). */
export interface IndicatorParams {
  window: number | null;
  k?: number;
  fast?: number;
  slow?: number;
  signal?: number;
}

/**
 * An indicator over the asset's whole stored history, so its value on a date never depends on the range asked
 * for: the first sessions of history are null (its warm-up), every later value is seeded from the first bar.
 */
export async function indicatorSeries(db: D1Database, assetId: number, kind: IndicatorKind, p: IndicatorParams) {
  const bars = await adjustedBars(db, assetId, "0000-01-01", "9999-12-31");
  const closes = bars.map((b) => b.close);
  const window = p.window as number;
  let values: unknown[];
  try {
    if (kind === "sma") values = sma(closes, window);
    else if (kind === "ema") values = ema(closes, window);
    else if (kind === "rsi") values = rsi(closes, window);
    else if (kind === "macd") values = macd(closes, p.fast, p.slow, p.signal);
    else if (kind === "bollinger") values = bollinger(closes, window, p.k);
    else values = atr(bars, window);
  } catch (err) {
    if (err instanceof RangeError) throw ApiError.validation(err.message, [{ path: "window", message: err.message }]);
    throw err;
  }
  return bars.map((b, i) => ({ date: b.date, value: values[i] ?? null }));
}

/** Pairwise correlation of daily returns; unknown symbols are a 422 listing them. */
export async function correlation(
  db: D1Database,
  symbols: string[],
  start: string | undefined,
  end: string | undefined,
  maxSymbolYears: number,
) {
  const assets = await resolveSymbols(db, symbols, "symbols");
  const range = await resolveRange(
    db,
    assets.map((a) => a.id),
    start,
    end,
  );
  // Uncached work grows with symbols × years read: past the limit, ask for fewer symbols or a shorter range.
  const symbolYears = symbols.length * ((Date.parse(range.end) - Date.parse(range.start)) / (365.25 * 86_400_000));
  if (symbolYears > maxSymbolYears) {
    const message = `symbols × years must be at most ${maxSymbolYears} (asked ${symbolYears.toFixed(1)}); use fewer symbols or a shorter range`;
    throw ApiError.validation(message, [{ path: "symbols", message }], 422);
  }
  const prices = await readPriceHistory(db, assets, range.start, range.end);
  const m = correlationMatrix(prices, symbols);
  return { symbols: m.symbols, ...range, matrix: m.matrix, observations: m.observations };
}

/**
 * One asset's days over its whole stored history (anomalies: each scored against the year of sessions before it,
 * see detectAnomalies; regimes: from the first bar on, the volatility percentile expanding over everything seen so
 * far), with the date of its latest bar: a day's answer never depends on the range asked for, nor on a later bar.
 */
async function wholeHistory<T>(db: D1Database, assetId: number, compute: (bars: AdjustedBar[]) => T[]) {
  const bars = await adjustedBars(db, assetId, "0000-01-01", "9999-12-31");
  return { latest: bars.at(-1)?.date ?? null, days: compute(bars) };
}

/**
 * Single-symbol answers live in the symbol's `prices:<symbol>` namespace (bumped by every refresh or
 * corporate action touching it); the multi-symbol correlation in `analytics` (bumped by any refresh).
 */
const cached = <T>(env: Env, cfg: Config, ns: CacheNamespace, key: string, load: () => Promise<T>) =>
  readThrough(env.CACHE, ns, key, cfg.CACHE_TTL_SECONDS, load);

export interface RangeInput {
  start?: string;
  end?: string;
}

/**
 * An indicator of one asset (404 for an unknown symbol) within [start, end] (default: the year up to the
 * latest bar). The whole-history series is computed once per kind and parameters and cached in the symbol's
 * `prices:<symbol>` namespace, whose version every refresh or corporate action of the symbol bumps (the data
 * version); each range is a slice of it.
 */
export async function indicatorAnswer(
  env: Env,
  cfg: Config,
  symbol: string,
  kind: IndicatorKind,
  params: IndicatorParams,
  q: RangeInput,
): Promise<Cached<Array<{ date: string; value: unknown }>>> {
  const asset = await requireAsset(env.DB, symbol);
  const full = await cached(env, cfg, `prices:${symbol}`, `indicator:${JSON.stringify([kind, params])}`, () =>
    indicatorSeries(env.DB, asset.id, kind, params),
  );
  const { start, end } = rangeOf(q.start, q.end, full.value.at(-1)?.date);
  return { ...full, value: full.value.filter((p) => p.date >= start && p.date <= end) };
}

/** The correlation matrix of several symbols, cached until any refresh lands. */
export function correlationAnswer(env: Env, cfg: Config, symbols: string[], q: RangeInput) {
  return cached(env, cfg, "analytics", `correlation:${JSON.stringify([symbols, q.start, q.end])}`, () =>
    correlation(env.DB, symbols, q.start, q.end, cfg.ANALYTICS_MAX_SYMBOL_YEARS),
  );
}

/**
 * Anomalous days, or the regime per day, of one asset (404 for an unknown symbol) within [start, end] (default: the
 * year up to its latest bar): a slice of the whole-history answer, cached once per symbol in its `prices:<symbol>`
 * namespace, so a warm request reads no bar and no date from D1.
 */
async function historySlice<T extends { date: string }>(
  env: Env,
  cfg: Config,
  symbol: string,
  q: RangeInput,
  key: string,
  compute: (bars: AdjustedBar[]) => T[],
) {
  const asset = await requireAsset(env.DB, symbol);
  const full = await cached(env, cfg, `prices:${symbol}`, key, () => wholeHistory(env.DB, asset.id, compute));
  const range = rangeOf(q.start, q.end, full.value.latest);
  const data = full.value.days.filter((d) => d.date >= range.start && d.date <= range.end);
  return { ...full, value: { symbol, ...range, data } };
}

export const anomalyAnswer = (env: Env, cfg: Config, symbol: string, q: RangeInput) =>
  historySlice(env, cfg, symbol, q, "anomalies:history", (bars) => detectAnomalies(bars));

export const regimeAnswer = (env: Env, cfg: Config, symbol: string, q: RangeInput) =>
  historySlice(env, cfg, symbol, q, "regime:history", classifyRegimes);
