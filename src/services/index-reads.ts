// Index reads: the owner-scoped row, its public shape, the ready version's rows (cached in KV under
// `index:<id>` with the version in the key; a build bumps the namespace) and the analytics computed from them.
import type { Config } from "../config";
import { firstPricedAsset, type ResolvedAsset } from "../db/assets";
import {
  findOwnedIndex,
  type IndexRow,
  listOwnedIndexes,
  readAllocationOn,
  readLevels,
  readRebalances,
  readValues,
  type ValuesPage,
} from "../db/indexes";
import { readAdjustedCloses } from "../db/prices";
import { type ExtendedMetrics, extendedMetrics } from "../domain/extended-metrics";
import {
  alignByDate,
  type LevelPoint,
  type MetricsWindow,
  type RiskMetrics,
  relativeMetrics,
  riskMetrics,
  sliceWindow,
  type WindowCoverage,
  windowCoverage,
} from "../domain/metrics";
import { DEFAULT_LOOKBACK_DAYS } from "../domain/rebalance-targets";
import { ApiError } from "../errors";
import { RISK_BASED_WEIGHTINGS, type StoredDefinition } from "../schemas/indexes";
import { atCurrentVersion, type Cached, entryKey, readEntry, readThrough } from "./cache";

/** Where a benchmark series covers the index's dates: `partial_coverage` when it starts later or ends earlier. */
export interface BenchmarkCoverage {
  benchmark_used: string | null;
  coverage_start: string | null;
  coverage_end: string | null;
  partial_coverage: boolean;
}

export type { IndexRow };

/** The caller's live index; another owner's id or a deleted one is the same 404 (the filter is in the query). */
export async function loadOwnedIndex(db: D1Database, ownerId: string, id: string): Promise<IndexRow> {
  const row = await findOwnedIndex(db, ownerId, id);
  if (!row) throw ApiError.notFound(`Index ${id}`);
  return row;
}

/** The owner's live indexes, newest first, after the keyset position; limit + 1 rows so the caller sees a next page. */
/**
 * The caller's index, read under the namespace's current version: every write to an index row bumps
 * `index:<id>` (docs/STORAGE.md), so the row is cached there too and a warm read costs one version read and no
 * D1 query; a refused lookup (404) throws and caches nothing. `sourceKey` names that version: an ETag source
 * for answers built from this row and its version's stored reads (null when the version was unreadable).
 */
export async function ownedIndexNow(
  env: Env,
  cfg: Config,
  ownerId: string,
  id: string,
): Promise<{ row: IndexRow; sourceKey: string | null }> {
  const sourceKey = await entryKey(await atCurrentVersion(env.CACHE, `index:${id}`), `row:${ownerId}`);
  const { value: row } = await readEntry(env.CACHE, sourceKey, cfg.CACHE_TTL_SECONDS, () =>
    loadOwnedIndex(env.DB, ownerId, id),
  );
  return { row, sourceKey };
}

export { listOwnedIndexes };

/** The version reads answer from; before the first successful build there is none: 409. */
export function readyVersionOf(row: IndexRow): number {
  if (row.readyVersion !== null) return row.readyVersion;
  if (row.status === "failed")
    throw new ApiError("conflict", `index build failed: ${row.failureReason ?? "unknown reason"}`);
  throw new ApiError("conflict", "index is still building");
}

export function publicIndex(row: IndexRow) {
  const d = row.definition as StoredDefinition;
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    constituents: d.constituents,
    weighting: d.weighting,
    weights: d.weights ?? null,
    max_weight: d.max_weight ?? null,
    min_weight: d.min_weight ?? null,
    rebalance: d.rebalance,
    base_date: d.base_date,
    base_value: d.base_value,
    benchmark: d.benchmark ?? null,
    lookback_days: d.lookback_days ?? (RISK_BASED_WEIGHTINGS.includes(d.weighting) ? DEFAULT_LOOKBACK_DAYS : null),
    covariance: d.covariance ?? (RISK_BASED_WEIGHTINGS.includes(d.weighting) ? "ledoit_wolf" : null),
    group_caps: d.group_caps ?? null,
    max_turnover: d.max_turnover ?? null,
    version: row.version,
    ready_version: row.readyVersion,
    failure_reason: row.failureReason,
    benchmark_used: row.benchmarkUsed,
    built_at: row.builtAt,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** The first of `requested` and the configured fallbacks that has prices in the range, or null. */
export function resolveBenchmark(
  db: D1Database,
  cfg: Config,
  requested: string | null | undefined,
  range: { start: string; end: string },
): Promise<ResolvedAsset | null> {
  const candidates = [...new Set([requested, ...cfg.BENCHMARK_FALLBACKS].filter((s): s is string => !!s))];
  return firstPricedAsset(db, candidates, range);
}

/** One answer about a version, cached until the next build, change or delete bumps `index:<id>`. */
function cachedRead<T>(env: Env, cfg: Config, row: IndexRow, version: number, key: string, load: () => Promise<T>) {
  return readThrough(env.CACHE, `index:${row.id}`, `v${version}:${key}`, cfg.CACHE_TTL_SECONDS, load);
}

/** One page of levels, ascending (limit + 1 rows). */
export function valuesPage(env: Env, cfg: Config, row: IndexRow, version: number, query: ValuesPage) {
  return cachedRead(env, cfg, row, version, `values:${JSON.stringify(query)}`, () =>
    readValues(env.DB, row.id, version, query),
  );
}

/** The allocation in force on `date` (latest without one). */
export function allocationOn(env: Env, cfg: Config, row: IndexRow, version: number, date: string | undefined) {
  return cachedRead(env, cfg, row, version, `alloc:${date ?? "latest"}`, () =>
    readAllocationOn(env.DB, row.id, version, date ?? null),
  );
}

/** One page of rebalances after `after` (limit + 1 rows). */
export function rebalancePage(
  env: Env,
  cfg: Config,
  row: IndexRow,
  version: number,
  after: string | undefined,
  limit: number,
) {
  return cachedRead(env, cfg, row, version, `rebalances:${after ?? ""}:${limit}`, () =>
    readRebalances(env.DB, row.id, version, after, limit),
  );
}

/**
 * The data version of every benchmark an answer may use (the requested one and the configured fallbacks): each
 * symbol's `prices:<symbol>` version, bumped by a refresh, corporate action or deletion of it. Null when a
 * version is unreadable (the answer is then computed and not cached).
 */
async function benchmarkDataVersion(
  env: Env,
  cfg: Config,
  requested: string | null | undefined,
): Promise<string | null> {
  const candidates = [...new Set([requested, ...cfg.BENCHMARK_FALLBACKS].filter((s): s is string => !!s))];
  const versions = await Promise.all(candidates.map((s) => atCurrentVersion(env.CACHE, `prices:${s}`)));
  if (versions.some((v) => v.version === null)) return null;
  return versions.map((v) => `${v.ns}@${v.version}`).join(",");
}

/** One answer that reads a benchmark: cached under the index version and the benchmarks' data versions. */
export async function benchmarkRead<T>(
  env: Env,
  cfg: Config,
  row: IndexRow,
  version: number,
  key: string,
  requested: string | null | undefined,
  load: () => Promise<T>,
): Promise<Cached<T>> {
  const data = await benchmarkDataVersion(env, cfg, requested);
  if (data === null) return { value: await load(), hit: false };
  return cachedRead(env, cfg, row, version, `${key}:${data}`, load);
}

export type IndexMetrics = RiskMetrics & ExtendedMetrics & WindowCoverage & BenchmarkCoverage;

/** Risk metrics of the ready version over `window`, cached until a build or a benchmark's data changes. */
export function metricsAnswer(
  env: Env,
  cfg: Config,
  row: IndexRow,
  version: number,
  window: MetricsWindow,
): Promise<Cached<IndexMetrics>> {
  const requested = row.benchmarkUsed ?? (row.definition as StoredDefinition).benchmark;
  return benchmarkRead(env, cfg, row, version, `metrics:${window}:${cfg.RISK_FREE_RATE}`, requested, () =>
    indexMetrics(env.DB, cfg, row, version, window),
  );
}

/** The benchmark comparison, cached until a build or a benchmark's data changes. */
export function benchmarkAnswer(env: Env, cfg: Config, row: IndexRow, version: number, symbol: string | undefined) {
  const requested = symbol ?? (row.definition as StoredDefinition).benchmark;
  return benchmarkRead(env, cfg, row, version, `benchmark:${symbol ?? ""}`, requested, () =>
    benchmarkComparison(env.DB, cfg, row, version, symbol),
  );
}

/** How `bench` covers the index's dates from `start` to `end`. */
function coverageOf(
  symbol: string | null,
  bench: readonly LevelPoint[] | null,
  start: string,
  end: string,
): BenchmarkCoverage {
  const first = bench?.[0]?.date ?? null;
  const last = bench?.[bench.length - 1]?.date ?? null;
  return {
    benchmark_used: symbol,
    coverage_start: first,
    coverage_end: last,
    partial_coverage: first !== null && last !== null && (first > start || last < end),
  };
}

/** Adjusted closes of one asset as a level series. */
export async function assetLevels(db: D1Database, assetId: number, start: string, end: string): Promise<LevelPoint[]> {
  const rows = await readAdjustedCloses(db, [assetId], start, end);
  return rows.map((r) => ({ date: r.date, value: r.adj_close }));
}

/** Risk metrics of the ready version over `window`, benchmark-relative ones against the index's benchmark. */
export async function indexMetrics(
  db: D1Database,
  cfg: Config,
  row: IndexRow,
  version: number,
  window: MetricsWindow,
): Promise<IndexMetrics> {
  const all = await readLevels(db, row.id, version);
  const coverage = windowCoverage(
    all.map((l) => l.date),
    window,
  );
  const levels = sliceWindow(all, window);
  let benchmark: LevelPoint[] | null = null;
  let benchmarkUsed: string | null = null;
  const first = levels[0];
  const last = levels[levels.length - 1];
  if (first && last) {
    const symbol = row.benchmarkUsed ?? (row.definition as StoredDefinition).benchmark;
    const asset = await resolveBenchmark(db, cfg, symbol, { start: first.date, end: last.date });
    if (asset) {
      benchmark = await assetLevels(db, asset.id, first.date, last.date);
      benchmarkUsed = asset.symbol;
    }
  }
  const base = riskMetrics(levels, benchmark, { riskFreeRate: cfg.RISK_FREE_RATE });
  const start = levels[0]?.date ?? "";
  const rebalances = first
    ? (await readRebalances(db, row.id, version, undefined, 100_000)).filter((r) => r.date >= start)
    : [];
  const extended = extendedMetrics({
    levels,
    benchmark,
    rebalances,
    riskFreeRate: cfg.RISK_FREE_RATE,
    cagr: base.cagr,
    maxDrawdown: base.max_drawdown,
    beta: base.beta,
  });
  return {
    ...base,
    ...extended,
    ...coverage,
    ...coverageOf(benchmarkUsed, benchmark, first?.date ?? "", last?.date ?? ""),
  };
}

/** Both series rebased to this value on their first common date. */
const REBASE_TO = 100;

/** The index beside a benchmark (the requested one, else the configured fallbacks in order), rebased alike. */
export async function benchmarkComparison(
  db: D1Database,
  cfg: Config,
  row: IndexRow,
  version: number,
  requested: string | undefined,
) {
  const levels = await readLevels(db, row.id, version);
  const first = levels[0];
  const last = levels[levels.length - 1];
  const wanted = requested ?? (row.definition as StoredDefinition).benchmark ?? null;
  const label = wanted ?? cfg.BENCHMARK_FALLBACKS[0] ?? "";
  if (!first || !last) throw new ApiError("conflict", "index has no values yet");
  const asset = await resolveBenchmark(db, cfg, wanted, { start: first.date, end: last.date });
  if (!asset) {
    const tried = [...new Set([wanted, ...cfg.BENCHMARK_FALLBACKS].filter(Boolean))].join(", ");
    throw ApiError.validation(
      `No price data for any benchmark candidate (${tried}) between ${first.date} and ${last.date}`,
      undefined,
      422,
    );
  }
  const bench = await assetLevels(db, asset.id, first.date, last.date);
  const joined = alignByDate(levels, bench);
  const i0 = joined.a[0] as number;
  const b0 = joined.b[0] as number;
  const series = joined.dates.map((date, k) => ({
    date,
    index: ((joined.a[k] as number) * REBASE_TO) / i0,
    benchmark: ((joined.b[k] as number) * REBASE_TO) / b0,
  }));
  const end = series[series.length - 1];
  const indexReturn = end ? end.index / REBASE_TO - 1 : null;
  const benchmarkReturn = end ? end.benchmark / REBASE_TO - 1 : null;
  return {
    requested: label,
    ...coverageOf(asset.symbol, bench, first.date, last.date),
    benchmark_used: asset.symbol,
    start: series[0]?.date ?? first.date,
    end: end?.date ?? last.date,
    rebased_to: REBASE_TO,
    series,
    metrics: {
      index_return: indexReturn,
      benchmark_return: benchmarkReturn,
      excess_return: indexReturn !== null && benchmarkReturn !== null ? indexReturn - benchmarkReturn : null,
      ...relativeMetrics(levels, bench, { riskFreeRate: cfg.RISK_FREE_RATE }),
    },
  };
}
