// Index builds: the one paged build path (builds, rebuilds, simulations and the demo index all compute through
// `computeDefinition`), the `build` and nightly `rebuild_changed` jobs, and publishing or failing a version.
import { getConfig } from "../config";
import { activeAssetsAmong, activeAssetsBySymbol, type ResolvedAsset } from "../db/assets";
import { newId, nowIso } from "../db/ids";
import { finishVersionStatements, insertVersionStatement, readVersion } from "../db/index-versions";
import {
  findIndex,
  findLiveIndex,
  type IndexRow,
  indexesBuiltByOtherEngine,
  indexesWithChangedInputs,
  insertIndex,
  markVersionFailed,
  type VersionRows,
  writeVersion,
} from "../db/indexes";
import type { IndexBuild } from "../domain/index-levels";
import { METHODOLOGY_VERSION, methodologyText } from "../domain/methodology";
import type { StoredDefinition } from "../schemas/indexes";
import type { BuildMessage } from "../schemas/messages";
import { bumpVersion } from "./cache";
import { emitEvent } from "./events";
import { CARRY_IN_DAYS, daysBefore, matrixStart, requestVersion, rulesOf, sectorsOf } from "./index-definitions";
import { type BuildNotes, computeIndexPaged } from "./index-inputs";
import { resolveBenchmark } from "./index-reads";

const today = () => new Date().toISOString().slice(0, 10);

export interface ComputedIndex {
  build: IndexBuild;
  assets: ResolvedAsset[];
}

/**
 * Reads the inputs of a definition 50 assets at a time (prices, and market caps when weighting needs them) and
 * runs the engine on them: the one build path. Symbols deleted since the definition was saved simply have no
 * history.
 */
export async function computeDefinition(
  db: D1Database,
  definition: StoredDefinition,
  opts: { end?: string; riskFreeRate?: number; asOf?: string; notes?: BuildNotes; rebalanceOnLastDay?: boolean } = {},
): Promise<{ ok: true; value: ComputedIndex } | { ok: false; reason: string; detail: string }> {
  const assets = await activeAssetsBySymbol(db, definition.constituents);
  const sectors = definition.group_caps ? await sectorsOf(db, definition.constituents) : {};
  const start = matrixStart(definition);
  const rules = {
    ...rulesOf(definition, sectors, opts.riskFreeRate ?? 0),
    rebalanceOnLastDay: opts.rebalanceOnLastDay,
  };
  const computed = await computeIndexPaged(db, rules, {
    constituents: definition.constituents,
    assets,
    matrixStart: start,
    historyStart: daysBefore(start, CARRY_IN_DAYS),
    end: opts.end ?? "9999-12-31",
    asOf: opts.asOf,
    notes: opts.notes,
  });
  if (!computed.ok) return computed;
  return { ok: true, value: { build: computed.value, assets } };
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

/**
 * Marks one version failed (a no-op when a newer version was requested meanwhile), drops cached reads and
 * emits `index.failed`. Used by the build itself and by the dead-letter consumer when its retries ran out.
 */
export async function failBuild(env: Env, indexId: string, version: number, reason: string): Promise<void> {
  await markVersionFailed(env.DB, indexId, version, reason);
  await env.DB.batch(finishVersionStatements(env.DB, indexId, version, { status: "failed", reason }));
  await bumpVersion(env.CACHE, `index:${indexId}`);
  await emitEvent(env, { type: "index.failed", data: { id: indexId, version, reason } });
}

/**
 * The `build` job. Reads inputs, computes, writes the version's rows and publishes it (ready_version) in
 * the last batch; a deterministic failure (no prices, nothing eligible) marks the version failed and keeps
 * the previous ready one readable. Infrastructure errors are thrown so the queue retries the whole job.
 */
export async function buildJob(env: Env, msg: Pick<BuildMessage, "index_id" | "version">): Promise<BuildStats> {
  const started = Date.now();
  const row = await findLiveIndex(env.DB, msg.index_id);
  const done = (stats: Omit<BuildStats, "ms" | "version">): BuildStats => {
    const full = { ...stats, version: msg.version, ms: Date.now() - started };
    console.log(JSON.stringify({ level: "info", msg: "index build", index_id: msg.index_id, ...full }));
    return full;
  };
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
  const notes: BuildNotes = {};
  const computeStarted = Date.now();
  const computed = await computeDefinition(env.DB, definition, {
    riskFreeRate: getConfig(env).RISK_FREE_RATE,
    asOf: dataAsOf,
    notes,
  });
  const computeMs = Date.now() - computeStarted;
  if (!computed.ok) {
    await failBuild(env, row.id, msg.version, computed.detail);
    return done({ outcome: "failed", reason: computed.detail });
  }
  const { build, assets } = computed.value;
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
      allocations: allocationRows(build, idOf),
      rebalances: build.rebalances,
    },
    { benchmarkUsed: benchmark?.symbol ?? null, builtAt },
  );
  const publishStarted = Date.now();
  await env.DB.batch(
    finishVersionStatements(env.DB, row.id, msg.version, {
      status: "ready",
      methodologyHash: await methodologyHash(definition),
      dataAsOf,
      metadata: {
        // The engine's methodology version this version was built by: a newer engine rebuilds it (rebuildChangedJob).
        engine: METHODOLOGY_VERSION,
        market_caps: notes.market_caps ?? null,
        benchmark_used: benchmark?.symbol ?? null,
        excluded: build.excluded,
      },
    }),
  );
  const notifyStarted = Date.now();
  await bumpVersion(env.CACHE, `index:${row.id}`);
  await emitEvent(env, { type: "index.ready", data: { id: row.id, version: msg.version, excluded: build.excluded } });
  return done({
    outcome: "ready",
    days: build.levels.length,
    rebalances: build.rebalances.length,
    statements: written.statements,
    phases_ms: {
      read_and_compute: computeMs,
      benchmark: writeStarted - computeStarted - computeMs,
      write: publishStarted - writeStarted,
      publish: notifyStarted - publishStarted,
      notify: Date.now() - notifyStarted,
    },
  });
}

/** Each rebalance's holdings, read from the engine's columns (its keyed records are never made here). */
function allocationRows(build: IndexBuild, idOf: ReadonlyMap<string, number>): VersionRows["allocations"] {
  return build.holdings.map((h, r) => {
    const holdings: VersionRows["allocations"][number]["holdings"] = [];
    for (let i = 0; i < h.columns.length; i++) {
      const symbol = h.symbols[h.columns[i] as number] as string;
      holdings.push([idOf.get(symbol) as number, h.after[i] as number, h.units[i] as number]);
    }
    return { rebalance_date: (build.allocations[r] as IndexBuild["allocations"][number]).rebalance_date, holdings };
  });
}

/** SHA-256 (hex) over the canonical definition and the engine's methodology version. */
export async function methodologyHash(definition: StoredDefinition): Promise<string> {
  const text = methodologyText(definition as Record<string, unknown>);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Most indexes one nightly run rebuilds; the rest wait for the next night. */
const REBUILDS_PER_RUN = 200;

/**
 * The nightly `rebuild_changed` job: every ready index whose inputs (a constituent's bars, market caps or
 * adjustment factors) were recorded or revised after its last build gets a new version, and so does one whose ready
 * version was built by another methodology version of the engine (at most REBUILDS_PER_RUN a night in all).
 */
export async function rebuildChangedJob(env: Env): Promise<{ rebuilt: string[] }> {
  const rebuilt: string[] = [];
  const changed = await indexesWithChangedInputs(env.DB, REBUILDS_PER_RUN);
  // Then those whose ready version an older engine built (its numbers may differ under today's rules, e.g. price
  // weights from 2026.12-pit.2 on), oldest build first, within the same nightly budget.
  const stale = await indexesBuiltByOtherEngine(env.DB, METHODOLOGY_VERSION, REBUILDS_PER_RUN);
  for (const id of [...new Set([...changed, ...stale])].slice(0, REBUILDS_PER_RUN)) {
    if (await requestVersion(env, id, null, {}, { reason: "rebuild" })) rebuilt.push(id);
  }
  return { rebuilt };
}

/** The demo index of local development, built synchronously so the dashboard has a ready index at once. */
export async function createDemoIndex(env: Env, ownerId: string): Promise<IndexRow | null> {
  const wanted = ["AAPL", "MSFT", "NVDA", "GOOGL", "AMZN", "META"];
  const present = await activeAssetsAmong(env.DB, wanted);
  const constituents = wanted.filter((s) => present.some((r) => r.symbol === s));
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
  const row = await insertIndex(env.DB, { id: newId("idx"), ownerId, name: "Big Tech Capped", definition });
  await insertVersionStatement(env.DB, { indexId: row.id, version: 1, reason: "created", definition }).run();
  await buildJob(env, { index_id: row.id, version: 1 });
  return (await findIndex(env.DB, row.id)) ?? null;
}
