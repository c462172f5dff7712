// Index definitions: validate one, create an index, change it (a new version), soft-delete it, ask for a rebuild.
// Every accepted change queues a build job (services/index-builds.ts) and readers keep the ready version meanwhile.
import type { z } from "@hono/zod-openapi";
import { activeAssetsAmong, type ResolvedAsset } from "../db/assets";
import { newId, nowIso } from "../db/ids";
import { type IndexRow, insertIndex, softDeleteIndex, takeNextVersion } from "../db/indexes";
import { type IndexRules, indexRulesProblem } from "../domain/index-levels";
import { ApiError, zodFieldErrors } from "../errors";
import { IndexDefinitionBody, type PatchIndexBody, type StoredDefinition } from "../schemas/indexes";
import { bumpVersion } from "./cache";
import { loadOwnedIndex } from "./index-reads";
import { enqueueJob } from "./jobs";

export type { ResolvedAsset };

const today = () => new Date().toISOString().slice(0, 10);

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

/** The engine's rules of a stored definition. */
export const rulesOf = (d: StoredDefinition): IndexRules => ({
  weighting: d.weighting,
  customWeights: d.weights,
  maxWeight: d.max_weight,
  minWeight: d.min_weight,
  rebalance: d.rebalance,
  baseDate: d.base_date,
  baseValue: d.base_value,
});

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
  return definition;
}

/** Records a new index (version 1, building) and queues its build. */
export async function createIndex(
  env: Env,
  ownerId: string,
  name: string,
  definition: StoredDefinition,
): Promise<{ row: IndexRow; jobId: string }> {
  const row = await insertIndex(env.DB, { id: newId("idx"), ownerId, name, definition });
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
): Promise<{ row: IndexRow; jobId: string } | null> {
  const row = await takeNextVersion(env.DB, id, ownerId, changes, nowIso());
  if (!row) return null;
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
  const parsed = IndexDefinitionBody.safeParse(merged);
  if (!parsed.success)
    throw ApiError.validation("The changed definition is invalid", zodFieldErrors(parsed.error), 422);
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
