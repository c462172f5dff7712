// Index definitions: validate one, create an index, change it (a new version), soft-delete it, ask for a rebuild.
// Every accepted change queues a build job (services/index-builds.ts) and readers keep the ready version meanwhile.

import type { z } from "@hono/zod-openapi";
import { getConfig } from "../config";
import { activeAssetsAmong, type ResolvedAsset, sectorsOf } from "../db/assets";
import { newId, nowIso } from "../db/ids";
import { insertVersionStatement, type VersionReason } from "../db/index-versions";
import { type IndexRow, insertIndex, softDeleteIndex, takeNextVersion } from "../db/indexes";
import { keepWithinQuota, liveCount } from "../db/quotas";
import { type IndexRules, indexRulesProblem } from "../domain/index-levels";
import { TRADING_DAYS_PER_YEAR } from "../domain/metrics";
import { constraintsProblem } from "../domain/portfolio-constraints";
import { DEFAULT_LOOKBACK_DAYS, portfolioConstraints } from "../domain/rebalance-targets";
import { ApiError, zodFieldErrors } from "../errors";
import {
  IndexDefinitionBody,
  type PatchIndexBody,
  RISK_BASED_WEIGHTINGS,
  type StoredDefinition,
} from "../schemas/indexes";
import { bumpVersion } from "./cache";
import { loadOwnedIndex } from "./index-reads";
import { enqueueJob } from "./jobs";

export { type ResolvedAsset, sectorsOf };

const today = () => new Date().toISOString().slice(0, 10);

/** Calendar days of history read before the matrix's first date, so a constituent that did not trade on it carries in. */
export const CARRY_IN_DAYS = 14;

export const daysBefore = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

/** Active assets for `symbols`, in the order given; unknown ones are listed in the error (422). */
export async function resolveSymbols(
  db: D1Database,
  symbols: readonly string[],
  field = "constituents",
): Promise<ResolvedAsset[]> {
  const bySymbol = new Map((await activeAssetsAmong(db, symbols)).map((r) => [r.symbol, r]));
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
  const quota = getConfig(env).QUOTA_INDEXES;
  const over = () => new ApiError("quota_exceeded", `At most ${quota} indexes per account`);
  if ((await liveCount(env.DB, "indexes", ownerId)) >= quota) throw over();
  const row = await insertIndex(env.DB, { id: newId("idx"), ownerId, name, definition });
  if (!(await keepWithinQuota(env.DB, "indexes", ownerId, row.id, quota))) throw over();
  await insertVersionStatement(env.DB, { indexId: row.id, version: 1, reason: "created", definition }).run();
  const jobId = await enqueueJob(env, { kind: "build", index_id: row.id, version: 1 });
  return { row, jobId };
}

/**
 * Asks for a new version (a changed definition, a manual or nightly rebuild): the version number is taken
 * in the UPDATE itself, so concurrent requests never share one. Null when the index is not the owner's.
 */
export async function requestVersion(
  env: Env,
  id: string,
  ownerId: string | null,
  changes: { name?: string; definition?: StoredDefinition } = {},
  why: { reason: VersionReason; dataAsOf?: string } = { reason: changes.definition ? "changed" : "rebuild" },
): Promise<{ row: IndexRow; jobId: string } | null> {
  const row = await takeNextVersion(env.DB, id, ownerId, changes, nowIso());
  if (!row) return null;
  await insertVersionStatement(env.DB, {
    indexId: row.id,
    version: row.version,
    reason: why.reason,
    definition: row.definition,
    dataAsOf: why.dataAsOf,
  }).run();
  const jobId = await enqueueJob(env, { kind: "build", index_id: row.id, version: row.version });
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
  const row = await loadOwnedIndex(env.DB, ownerId, id);
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
  // The merged definition breaks a rule of the body itself (e.g. weights without custom weighting): 400, the
  // status POST gives the same rule; only what needs stored data (unknown symbols, infeasible caps) is 422.
  const parsed = IndexDefinitionBody.safeParse(merged);
  if (!parsed.success)
    throw ApiError.validation("The changed definition is invalid", zodFieldErrors(parsed.error), 400);
  const definition = await validateDefinition(env.DB, parsed.data);
  const next = await requestVersion(env, id, ownerId, { name: parsed.data.name, definition });
  if (!next) throw ApiError.notFound(`Index ${id}`);
  return next;
}

/** Soft delete: the row and every stored version stay; reads answer 404 from now on. */
export async function deleteIndex(env: Env, ownerId: string, id: string): Promise<void> {
  if (!(await softDeleteIndex(env.DB, ownerId, id, nowIso()))) throw ApiError.notFound(`Index ${id}`);
  await bumpVersion(env.CACHE, `index:${id}`);
}
