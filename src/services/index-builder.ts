// Index lifecycle: validate a definition, record a version, build it off the request path and publish it atomically.
import type { z } from "@hono/zod-openapi";
import { and, eq, isNull, sql } from "drizzle-orm";
import { type Config, getConfig } from "../config";
import { type Db, getDb } from "../db/client";
import { newId, nowIso } from "../db/ids";
import { markVersionFailed, readMarketCaps, readPriceHistory, writeVersion } from "../db/index-store";
import { finishVersionStatements, insertVersionStatement, readVersion, type VersionReason } from "../db/index-versions";
import { indexes } from "../db/schema";
import { computeIndex, type IndexBuild, type IndexRules, indexRulesProblem } from "../domain/index-levels";
import { methodologyText } from "../domain/methodology";
import { TRADING_DAYS_PER_YEAR } from "../domain/metrics";
import { constraintsProblem } from "../domain/portfolio-constraints";
import type { PriceHistory } from "../domain/price-matrix";
import { DEFAULT_LOOKBACK_DAYS, portfolioConstraints } from "../domain/rebalance-targets";
import { ApiError } from "../http/errors";
import { zodFieldErrors } from "../http/problem";
import type { BuildMessage } from "../jobs/messages";
import {
  IndexDefinitionBody,
  type PatchIndexBody,
  RISK_BASED_WEIGHTINGS,
  type StoredDefinition,
} from "../schemas/indexes";
import { bumpVersion } from "./cache";
import { type BuildNotes, computeIndexPaged } from "./index-inputs";
import { loadOwnedIndex } from "./index-reads";
import { enqueueJob, finishJob, markRunning } from "./jobs";

export type IndexRow = typeof indexes.$inferSelect;

/** Calendar days of history read before the base date, so a constituent that did not trade on it carries in. */
const CARRY_IN_DAYS = 14;

export interface ResolvedAsset {
  id: number;
  symbol: string;
}

const today = () => new Date().toISOString().slice(0, 10);
const daysBefore = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

/** Active assets for `symbols`, in the order given; unknown ones are listed in the error. */
export async function resolveSymbols(
  db: D1Database,
  symbols: readonly string[],
  field = "constituents",
): Promise<ResolvedAsset[]> {
  const { results } = await db
    .prepare("SELECT id, symbol FROM assets WHERE deleted_at IS NULL AND symbol IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(symbols))
    .all<ResolvedAsset>();
  const bySymbol = new Map(results.map((r) => [r.symbol, r]));
  const unknown = symbols.filter((s) => !bySymbol.has(s));
  if (unknown.length > 0) {
    throw ApiError.validation(
      `Unknown or inactive symbols: ${unknown.join(", ")}`,
      unknown.map((s) => ({ path: field, message: `unknown symbol ${s}` })),
      422,
    );
  }
  return symbols.map((s) => bySymbol.get(s) as ResolvedAsset);
}

/** The engine's rules for a stored definition; `sectors` (per constituent) is needed only under group caps. */
export const rulesOf = (
  d: StoredDefinition,
  sectors: Record<string, string | null> = {},
  riskFreeRate = 0,
): IndexRules => ({
  weighting: d.weighting,
  customWeights: d.weights,
  maxWeight: d.max_weight,
  minWeight: d.min_weight,
  rebalance: d.rebalance,
  baseDate: d.base_date,
  baseValue: d.base_value,
  portfolio: {
    lookbackDays: d.lookback_days ?? DEFAULT_LOOKBACK_DAYS,
    covariance: d.covariance ?? "ledoit_wolf",
    sectors,
    groupCaps: d.group_caps,
    maxTurnover: d.max_turnover,
    riskFreeDaily: riskFreeRate / TRADING_DAYS_PER_YEAR,
  },
});

/**
 * First date of the price matrix: the base date, or for a risk-based weighting early enough to hold
 * `lookback_days` sessions before it (252 sessions span about 365 calendar days; 1.5× plus two weeks
 * covers any holiday calendar).
 */
export function matrixStart(d: StoredDefinition): string {
  if (!RISK_BASED_WEIGHTINGS.includes(d.weighting)) return d.base_date;
  return daysBefore(d.base_date, Math.ceil((d.lookback_days ?? DEFAULT_LOOKBACK_DAYS) * 1.5) + CARRY_IN_DAYS);
}

/** Each named sector's cap must name a constituent's sector, and the caps must leave 100% to allocate (422 otherwise). */
function checkGroupCaps(definition: StoredDefinition, sectors: Record<string, string | null>): void {
  const caps = definition.group_caps;
  if (!caps) return;
  const present = new Set(Object.values(sectors).filter((s): s is string => !!s));
  const unknown = Object.keys(caps).filter((k) => !present.has(k));
  if (unknown.length > 0) {
    throw ApiError.validation(
      `No constituent is in sector ${unknown.join(", ")}`,
      unknown.map((k) => ({ path: `group_caps.${k}`, message: `no constituent has sector "${k}"` })),
      422,
    );
  }
  const symbols = definition.constituents;
  const constraints = portfolioConstraints(symbols, definition.min_weight ?? 0, definition.max_weight ?? 1, {
    sectors,
    groupCaps: caps,
  });
  const problem = constraintsProblem(constraints);
  if (problem) {
    throw ApiError.validation(
      `group_caps cannot hold: ${problem}`,
      [{ path: "group_caps", message: `with max_weight and the other sectors, ${problem}` }],
      422,
    );
  }
}

/** Sector per symbol for active assets. */
export async function sectorsOf(db: D1Database, symbols: readonly string[]): Promise<Record<string, string | null>> {
  const { results } = await db
    .prepare(
      "SELECT symbol, sector FROM assets WHERE deleted_at IS NULL AND symbol IN (SELECT value FROM json_each(?1))",
    )
    .bind(JSON.stringify(symbols))
    .all<{ symbol: string; sector: string | null }>();
  return Object.fromEntries(results.map((r) => [r.symbol, r.sector]));
}

/**
 * Everything a definition must satisfy before a build is queued (each a 422): known symbols, feasible
 * caps and weights, a base date that is not in the future. Returns the stored form (without the name).
 */
export async function validateDefinition(db: D1Database, body: IndexDefinitionBody): Promise<StoredDefinition> {
  const { name: _, ...definition } = body;
  if (definition.weights) {
    definition.weights = Object.fromEntries(Object.entries(definition.weights).map(([k, v]) => [k.toUpperCase(), v]));
  }
  if (definition.base_date > today()) {
    throw ApiError.validation(
      "base_date is in the future",
      [{ path: "base_date", message: "must not be after today" }],
      422,
    );
  }
  const problem = indexRulesProblem(definition.constituents, rulesOf(definition));
  if (problem) throw ApiError.validation(problem.detail, [{ path: problem.field, message: problem.detail }], 422);
  await resolveSymbols(db, definition.constituents);
  if (definition.benchmark) await resolveSymbols(db, [definition.benchmark], "benchmark");
  if (definition.group_caps) checkGroupCaps(definition, await sectorsOf(db, definition.constituents));
  return definition;
}

/** Records a new index (version 1, building) and queues its build. */
export async function createIndex(
  env: Env,
  ownerId: string,
  name: string,
  definition: StoredDefinition,
): Promise<{ row: IndexRow; jobId: string }> {
  const db = getDb(env);
  const row = await db
    .insert(indexes)
    .values({ id: newId("idx"), ownerId, name, definition, status: "building", version: 1 })
    .returning()
    .get();
  await insertVersionStatement(env.DB, { indexId: row.id, version: 1, reason: "created", definition }).run();
  const jobId = await enqueueJob(env, db, { kind: "build", index_id: row.id, version: 1 });
  return { row, jobId };
}

/**
 * Asks for a new version (a changed definition, a manual or nightly rebuild): the version number is taken
 * in the UPDATE itself, so concurrent requests never share one. Null when the index is not the owner's.
 */
export async function requestVersion(
  env: Env,
  db: Db,
  id: string,
  ownerId: string | null,
  changes: { name?: string; definition?: StoredDefinition } = {},
  why: { reason: VersionReason; dataAsOf?: string } = { reason: changes.definition ? "changed" : "rebuild" },
): Promise<{ row: IndexRow; jobId: string } | null> {
  const owner = ownerId === null ? sql`1 = 1` : eq(indexes.ownerId, ownerId);
  const row = await db
    .update(indexes)
    .set({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.definition !== undefined && { definition: changes.definition }),
      version: sql`${indexes.version} + 1`,
      status: "building",
      failureReason: null,
      updatedAt: nowIso(),
    })
    .where(and(eq(indexes.id, id), owner, isNull(indexes.deletedAt)))
    .returning()
    .get();
  if (!row) return null;
  await insertVersionStatement(env.DB, {
    indexId: row.id,
    version: row.version,
    reason: why.reason,
    definition: row.definition,
    dataAsOf: why.dataAsOf,
  }).run();
  const jobId = await enqueueJob(env, db, { kind: "build", index_id: row.id, version: row.version });
  await bumpVersion(env.CACHE, `index:${row.id}`);
  return { row, jobId };
}

/** The definition fields PATCH /v1/indexes/{id} may change (besides the name). */
const DEFINITION_KEYS = [
  "constituents",
  "weighting",
  "weights",
  "max_weight",
  "min_weight",
  "rebalance",
  "base_date",
  "base_value",
  "benchmark",
  "lookback_days",
  "covariance",
  "group_caps",
  "max_turnover",
] as const;

/**
 * A change (API.md: "change (triggers a rebuild)"): the given fields merge into the stored definition (null
 * clears an optional one), the merged whole is validated like a new index, and a new version is built while
 * readers keep the ready one. A rename alone also gets a new version, so every change is one build away.
 */
export async function changeIndex(
  env: Env,
  ownerId: string,
  id: string,
  body: z.infer<typeof PatchIndexBody>,
): Promise<{ row: IndexRow; jobId: string }> {
  const db = getDb(env);
  const row = await loadOwnedIndex(db, ownerId, id);
  const merged: Record<string, unknown> = { name: body.name ?? row.name, ...(row.definition as StoredDefinition) };
  for (const k of DEFINITION_KEYS) {
    if (body[k] === null) delete merged[k];
    else if (body[k] !== undefined) merged[k] = body[k];
  }
  if (body.weighting !== undefined && body.weighting !== "custom" && body.weights === undefined) delete merged.weights;
  if (body.weighting !== undefined && !RISK_BASED_WEIGHTINGS.includes(body.weighting)) {
    // Switching to a weighting without a lookback drops the stored risk-model settings rather than failing.
    if (body.lookback_days === undefined) delete merged.lookback_days;
    if (body.covariance === undefined) delete merged.covariance;
  }
  const parsed = IndexDefinitionBody.safeParse(merged);
  if (!parsed.success)
    throw ApiError.validation("The changed definition is invalid", zodFieldErrors(parsed.error), 422);
  const definition = await validateDefinition(env.DB, parsed.data);
  const next = await requestVersion(env, db, id, ownerId, { name: parsed.data.name, definition });
  if (!next) throw ApiError.notFound(`Index ${id}`);
  return next;
}

/** Soft delete: the row and every stored version stay; reads answer 404 from now on. */
export async function deleteIndex(env: Env, ownerId: string, id: string): Promise<void> {
  const now = nowIso();
  const deleted = await getDb(env)
    .update(indexes)
    .set({ deletedAt: now, updatedAt: now })
    .where(and(eq(indexes.id, id), eq(indexes.ownerId, ownerId), isNull(indexes.deletedAt)))
    .returning({ id: indexes.id })
    .get();
  if (!deleted) throw ApiError.notFound(`Index ${id}`);
  await bumpVersion(env.CACHE, `index:${id}`);
}

/** The first of `requested` and the configured fallbacks that has prices in the range, or null. */
export async function resolveBenchmark(
  db: D1Database,
  cfg: Config,
  requested: string | null | undefined,
  range: { start: string; end: string },
): Promise<ResolvedAsset | null> {
  const candidates = [...new Set([requested, ...cfg.BENCHMARK_FALLBACKS].filter((s): s is string => !!s))];
  for (const symbol of candidates) {
    const row = await db
      .prepare(
        `SELECT a.id, a.symbol FROM assets a WHERE a.symbol = ?1 AND a.deleted_at IS NULL AND
           (SELECT COUNT(*) FROM (SELECT 1 FROM prices p WHERE p.asset_id = a.id AND p.superseded_at IS NULL
              AND p.date >= ?2 AND p.date <= ?3 LIMIT 2)) >= 2`,
      )
      .bind(symbol, range.start, range.end)
      .first<ResolvedAsset>();
    if (row) return row;
  }
  return null;
}

export interface ComputedIndex {
  build: IndexBuild;
  assets: ResolvedAsset[];
  prices: PriceHistory;
}

/**
 * Reads the inputs of a definition (prices 50 assets per query, market caps when weighting needs them)
 * and runs the engine. Symbols deleted since the definition was saved simply have no history.
 */
export async function computeDefinition(
  db: D1Database,
  definition: StoredDefinition,
  end = "9999-12-31",
): Promise<{ ok: true; value: ComputedIndex } | { ok: false; reason: string; detail: string }> {
  const assets = await assetsOf(db, definition.constituents);
  const prices = await readPriceHistory(db, assets, daysBefore(matrixStart(definition), CARRY_IN_DAYS), end);
  const marketCaps = definition.weighting === "market_cap" ? await readMarketCaps(db, assets) : undefined;
  const sectors = definition.group_caps ? await sectorsOf(db, definition.constituents) : {};
  const outcome = computeIndex({
    ...rulesOf(definition, sectors),
    constituents: definition.constituents,
    prices,
    marketCaps,
  });
  if (!outcome.ok) return outcome;
  return { ok: true, value: { build: outcome.value, assets, prices } };
}

/** The definition's constituents that are still active assets (a deleted one simply has no history). */
async function assetsOf(db: D1Database, symbols: readonly string[]): Promise<ResolvedAsset[]> {
  const { results } = await db
    .prepare(
      "SELECT id, symbol FROM assets WHERE deleted_at IS NULL AND symbol IN (SELECT value FROM json_each(?1)) ORDER BY symbol",
    )
    .bind(JSON.stringify(symbols))
    .all<ResolvedAsset>();
  return results;
}

export interface BuildStats {
  outcome: "ready" | "failed" | "superseded" | "missing";
  version: number;
  days?: number;
  rebalances?: number;
  statements?: number;
  ms: number;
  reason?: string;
  phases_ms?: Record<string, number>;
}

type EventSink = (
  env: Env,
  event: { type: "index.ready" | "index.failed"; data: Record<string, unknown> },
) => Promise<void>;
let eventSink: EventSink | undefined;
/** The webhook pipeline plugs its emitter in here, so the builder does not depend on it. */
export function onIndexEvent(sink: EventSink): void {
  eventSink = sink;
}

/**
 * Marks one version failed (a no-op when a newer version was requested meanwhile), drops cached reads and
 * emits `index.failed`. Used by the build itself and by the dead-letter consumer when its retries ran out.
 */
export async function failBuild(env: Env, indexId: string, version: number, reason: string): Promise<void> {
  await markVersionFailed(env.DB, indexId, version, reason);
  await env.DB.batch(finishVersionStatements(env.DB, indexId, version, { status: "failed", reason }));
  await bumpVersion(env.CACHE, `index:${indexId}`);
  await eventSink?.(env, { type: "index.failed", data: { id: indexId, version, reason } });
}

/**
 * The `build` job. Reads inputs, computes, writes the version's rows and publishes it (ready_version) in
 * the last batch; a deterministic failure (no prices, nothing eligible) marks the version failed and keeps
 * the previous ready one readable. Infrastructure errors are thrown so the queue retries the whole job.
 */
export async function handleBuild(
  env: Env,
  msg: Pick<BuildMessage, "index_id" | "version"> & { job_id?: string },
): Promise<BuildStats> {
  const started = Date.now();
  const db = getDb(env);
  const row = await db
    .select()
    .from(indexes)
    .where(and(eq(indexes.id, msg.index_id), isNull(indexes.deletedAt)))
    .get();
  const done = async (stats: Omit<BuildStats, "ms" | "version">, status: "succeeded" | "failed" = "succeeded") => {
    const full = { ...stats, version: msg.version, ms: Date.now() - started };
    if (msg.job_id) await finishJob(db, msg.job_id, { status, error: stats.reason ?? null, stats: full });
    console.log(JSON.stringify({ level: "info", msg: "index build", index_id: msg.index_id, ...full }));
    return full;
  };
  if (msg.job_id) await markRunning(db, msg.job_id);
  if (!row) return done({ outcome: "missing" });
  // A newer version was requested after this job was queued: its own job builds the current definition.
  if (row.version > msg.version || (row.readyVersion ?? 0) >= msg.version) {
    if ((row.readyVersion ?? 0) < msg.version)
      await env.DB.batch(finishVersionStatements(env.DB, row.id, msg.version, { status: "superseded" }));
    return done({ outcome: "superseded" });
  }

  const builtAt = nowIso(); // inputs changed after this instant trigger the next nightly rebuild
  // The version's own record: its definition and, for a rebuild at an earlier instant, the instant to read as of.
  const recorded = await readVersion(env.DB, row.id, msg.version);
  const definition = (recorded?.definition ?? row.definition) as StoredDefinition;
  const dataAsOf = recorded?.data_as_of ?? builtAt;
  const computeStarted = Date.now();
  const assets = await assetsOf(env.DB, definition.constituents);
  const sectors = definition.group_caps ? await sectorsOf(env.DB, definition.constituents) : {};
  const start = matrixStart(definition);
  const notes: BuildNotes = {};
  const computed = await computeIndexPaged(env.DB, rulesOf(definition, sectors, getConfig(env).RISK_FREE_RATE), {
    constituents: definition.constituents,
    assets,
    matrixStart: start,
    historyStart: daysBefore(start, CARRY_IN_DAYS),
    end: "9999-12-31",
    asOf: dataAsOf,
    notes,
  });
  const computeMs = Date.now() - computeStarted;
  if (!computed.ok) {
    await failBuild(env, row.id, msg.version, computed.detail);
    return done({ outcome: "failed", reason: computed.detail }, "failed");
  }
  const build = computed.value;
  const idOf = new Map(assets.map((a) => [a.symbol, a.id]));
  const first = build.levels[0]?.date ?? definition.base_date;
  const last = build.levels[build.levels.length - 1]?.date ?? today();
  const benchmark = await resolveBenchmark(env.DB, getConfig(env), definition.benchmark, { start: first, end: last });
  const writeStarted = Date.now();
  const written = await writeVersion(
    env.DB,
    row.id,
    msg.version,
    {
      values: build.levels,
      allocations: build.allocations.flatMap((a) =>
        Object.entries(a.weights).map(([symbol, weight]) => ({
          rebalance_date: a.rebalance_date,
          asset_id: idOf.get(symbol) as number,
          weight,
          shares: a.shares[symbol] ?? 0,
        })),
      ),
      rebalances: build.rebalances,
    },
    { benchmarkUsed: benchmark?.symbol ?? null, builtAt },
  );
  await env.DB.batch(
    finishVersionStatements(env.DB, row.id, msg.version, {
      status: "ready",
      methodologyHash: await methodologyHash(definition),
      dataAsOf,
      metadata: {
        market_caps: notes.market_caps ?? null,
        benchmark_used: benchmark?.symbol ?? null,
        excluded: build.excluded,
      },
    }),
  );
  await bumpVersion(env.CACHE, `index:${row.id}`);
  await eventSink?.(env, { type: "index.ready", data: { id: row.id, version: msg.version, excluded: build.excluded } });
  return done({
    outcome: "ready",
    days: build.levels.length,
    rebalances: build.rebalances.length,
    statements: written.statements,
    phases_ms: { read_and_compute: computeMs, write: Date.now() - writeStarted },
  });
}

/** SHA-256 (hex) over the canonical definition and the engine's methodology version. */
export async function methodologyHash(definition: StoredDefinition): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(methodologyText(definition as Record<string, unknown>)),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Most indexes one nightly run rebuilds; the rest wait for the next night. */
const REBUILDS_PER_RUN = 200;

/**
 * The nightly `rebuild_changed` job: every ready index whose inputs (a constituent's bars, market caps or
 * adjustment factors) were recorded or revised after its last build gets a new version.
 */
export async function handleRebuildChanged(env: Env, msg: { job_id?: string } = {}): Promise<{ rebuilt: string[] }> {
  const db = getDb(env);
  if (msg.job_id) await markRunning(db, msg.job_id);
  const { results } = await env.DB.prepare(
    `SELECT i.id FROM indexes i
     WHERE i.deleted_at IS NULL AND i.status = 'ready' AND i.built_at IS NOT NULL AND EXISTS (
       SELECT 1 FROM json_each(i.definition, '$.constituents') c JOIN assets a ON a.symbol = c.value
       WHERE EXISTS (SELECT 1 FROM prices p WHERE p.asset_id = a.id AND (p.recorded_at > i.built_at OR p.superseded_at > i.built_at))
          OR EXISTS (SELECT 1 FROM market_caps m WHERE m.asset_id = a.id AND m.updated_at > i.built_at)
          OR EXISTS (SELECT 1 FROM adjustment_factors f WHERE f.asset_id = a.id AND f.updated_at > i.built_at))
     ORDER BY i.built_at LIMIT ?1`,
  )
    .bind(REBUILDS_PER_RUN)
    .all<{ id: string }>();
  const rebuilt: string[] = [];
  for (const { id } of results) {
    if (await requestVersion(env, db, id, null, {}, { reason: "rebuild" })) rebuilt.push(id);
  }
  if (msg.job_id) await finishJob(db, msg.job_id, { status: "succeeded", stats: { rebuilt: rebuilt.length } });
  return { rebuilt };
}

/** The demo index of local development, built synchronously so the dashboard has a ready index at once. */
export async function createDemoIndex(env: Env, ownerId: string): Promise<IndexRow | null> {
  const wanted = ["AAPL", "MSFT", "NVDA", "GOOGL", "AMZN", "META"];
  const { results } = await env.DB.prepare(
    "SELECT symbol FROM assets WHERE deleted_at IS NULL AND symbol IN (SELECT value FROM json_each(?1))",
  )
    .bind(JSON.stringify(wanted))
    .all<{ symbol: string }>();
  const constituents = wanted.filter((s) => results.some((r) => r.symbol === s));
  if (constituents.length < 4) return null; // max_weight 0.25 needs at least four names
  const baseDate = daysBefore(today(), 3 * 365);
  const definition: StoredDefinition = {
    constituents,
    weighting: "market_cap",
    max_weight: 0.25,
    rebalance: "monthly",
    base_date: baseDate,
    base_value: 1000,
    benchmark: "SPY",
  };
  const db = getDb(env);
  const row = await db
    .insert(indexes)
    .values({ id: newId("idx"), ownerId, name: "Big Tech Capped", definition, status: "building", version: 1 })
    .returning()
    .get();
  await insertVersionStatement(env.DB, { indexId: row.id, version: 1, reason: "created", definition }).run();
  await handleBuild(env, { index_id: row.id, version: 1 });
  return (await db.select().from(indexes).where(eq(indexes.id, row.id)).get()) ?? null;
}
