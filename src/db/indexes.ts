// Custom indexes: the definition rows (create, new version, soft delete, owner-scoped reads), the bulk write of
// one built version (values, allocations, rebalances) and the reads of the ready one. Version writes use the
// bulk shape of db/batching.ts: one JSON parameter per statement expanded by json_each, so no statement comes
// near D1's 100-bound-parameter limit; statements go in atomic batch() calls.
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { slices } from "../domain/slices";
import { chunkByBytes, ROWS_PER_STATEMENT, STATEMENTS_PER_BATCH } from "./batching";
import { orm } from "./client";
import { type NewestFirst, olderThan } from "./keyset";
import { indexes } from "./schema";

export type IndexRow = typeof indexes.$inferSelect;

/** A new index at version 1, building. */
export function insertIndex(
  db: D1Database,
  row: { id: string; ownerId: string; name: string; definition: unknown },
): Promise<IndexRow> {
  return orm(db)
    .insert(indexes)
    .values({ ...row, status: "building", version: 1 })
    .returning()
    .get();
}

/**
 * Takes the next version number in the UPDATE itself, so concurrent requests never share one; `ownerId` null
 * is the system (nightly rebuild). Undefined when the index is not the owner's or is deleted.
 */
export function takeNextVersion(
  db: D1Database,
  id: string,
  ownerId: string | null,
  changes: { name?: string; definition?: unknown },
  now: string,
): Promise<IndexRow | undefined> {
  const owner = ownerId === null ? sql`1 = 1` : eq(indexes.ownerId, ownerId);
  return orm(db)
    .update(indexes)
    .set({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.definition !== undefined && { definition: changes.definition }),
      version: sql`${indexes.version} + 1`,
      status: "building",
      failureReason: null,
      updatedAt: now,
    })
    .where(and(eq(indexes.id, id), owner, isNull(indexes.deletedAt)))
    .returning()
    .get();
}

/** Soft delete: the row and every stored version stay. False when it is not the owner's live index. */
export async function softDeleteIndex(db: D1Database, ownerId: string, id: string, now: string): Promise<boolean> {
  const deleted = await orm(db)
    .update(indexes)
    .set({ deletedAt: now, updatedAt: now })
    .where(and(eq(indexes.id, id), eq(indexes.ownerId, ownerId), isNull(indexes.deletedAt)))
    .returning({ id: indexes.id })
    .get();
  return deleted !== undefined;
}

/** A live index by id (any owner: the build job's read). */
export function findLiveIndex(db: D1Database, id: string): Promise<IndexRow | undefined> {
  return orm(db)
    .select()
    .from(indexes)
    .where(and(eq(indexes.id, id), isNull(indexes.deletedAt)))
    .get();
}

/** An index by id, deleted or not. */
export function findIndex(db: D1Database, id: string): Promise<IndexRow | undefined> {
  return orm(db).select().from(indexes).where(eq(indexes.id, id)).get();
}

/** The owner's live index; another owner's id or a deleted one is the same undefined (the filter is in the query). */
export function findOwnedIndex(db: D1Database, ownerId: string, id: string): Promise<IndexRow | undefined> {
  return orm(db)
    .select()
    .from(indexes)
    .where(and(eq(indexes.id, id), eq(indexes.ownerId, ownerId), isNull(indexes.deletedAt)))
    .get();
}

/** The owner's live indexes, newest first, after the keyset position; limit + 1 rows. */
export function listOwnedIndexes(
  db: D1Database,
  ownerId: string,
  limit: number,
  after?: NewestFirst,
): Promise<IndexRow[]> {
  return orm(db)
    .select()
    .from(indexes)
    .where(
      and(eq(indexes.ownerId, ownerId), isNull(indexes.deletedAt), olderThan(indexes.createdAt, indexes.id, after)),
    )
    .orderBy(desc(indexes.createdAt), desc(indexes.id))
    .limit(limit + 1)
    .all();
}

/** Which of `ids` are the owner's live indexes (what a stream socket may subscribe to). */
export async function ownedIndexIds(db: D1Database, ownerId: string, ids: string[]): Promise<Set<string>> {
  const { results } = await db
    .prepare(
      `SELECT id FROM indexes WHERE owner_id = ?1 AND deleted_at IS NULL AND id IN (SELECT value FROM json_each(?2))`,
    )
    .bind(ownerId, JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}

/** The owner of an index, or null. */
export async function indexOwner(db: D1Database, id: string): Promise<string | null> {
  return (
    (await db.prepare("SELECT owner_id FROM indexes WHERE id = ?").bind(id).first<{ owner_id: string }>())?.owner_id ??
    null
  );
}

/**
 * Ready indexes whose inputs (a constituent's bars, market caps or adjustment factors) were recorded or revised
 * after their last build, oldest build first.
 */
export async function indexesWithChangedInputs(db: D1Database, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT i.id FROM indexes i
       WHERE i.deleted_at IS NULL AND i.status = 'ready' AND i.built_at IS NOT NULL AND EXISTS (
         SELECT 1 FROM json_each(i.definition, '$.constituents') c JOIN assets a ON a.symbol = c.value
         WHERE EXISTS (SELECT 1 FROM prices p WHERE p.asset_id = a.id AND (p.recorded_at > i.built_at OR p.superseded_at > i.built_at))
            OR EXISTS (SELECT 1 FROM market_caps m WHERE m.asset_id = a.id AND m.updated_at > i.built_at)
            OR EXISTS (SELECT 1 FROM adjustment_factors f WHERE f.asset_id = a.id AND f.updated_at > i.built_at))
       ORDER BY i.built_at LIMIT ?1`,
    )
    .bind(limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/**
 * Ready indexes whose ready version was built by another methodology version of the engine than `engine` (its
 * `metadata.engine`; none before the engine recorded it), oldest build first.
 */
export async function indexesBuiltByOtherEngine(db: D1Database, engine: string, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT i.id FROM indexes i JOIN index_versions v ON v.index_id = i.id AND v.version = i.ready_version
       WHERE i.deleted_at IS NULL AND i.status = 'ready' AND i.version = i.ready_version
         AND (v.metadata IS NULL OR v.metadata ->> '$.engine' IS NULL OR v.metadata ->> '$.engine' <> ?1)
       ORDER BY i.built_at LIMIT ?2`,
    )
    .bind(engine, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** One row per constituent of the ready version's allocation in force, with what a live level needs. */
export interface AllocationInForce {
  id: string;
  symbol: string;
  weight: number;
  shares: number | null;
  price: number | null;
  rebalance_value: number | null;
  rebalance_price: number | null;
}

const ALLOCATIONS_IN_FORCE = `
WITH watched(id) AS (SELECT value FROM json_each(?1)),
cur AS (
  SELECT i.id, i.ready_version AS v,
    (SELECT MAX(rebalance_date) FROM allocation_sets a WHERE a.index_id = i.id AND a.version = i.ready_version) AS rd
  FROM indexes i JOIN watched w ON w.id = i.id
  WHERE i.deleted_at IS NULL AND i.ready_version IS NOT NULL),
held AS (
  SELECT cur.id, cur.v, cur.rd, h.value ->> 0 AS asset_id, h.value ->> 1 AS weight, h.value ->> 2 AS shares
  FROM cur JOIN allocation_sets a ON a.index_id = cur.id AND a.version = cur.v AND a.rebalance_date = cur.rd,
    json_each(a.holdings) h)
SELECT held.id, s.symbol, held.weight, held.shares, q.price,
  CASE WHEN held.shares IS NULL THEN (SELECT iv.value FROM index_values iv WHERE iv.index_id = held.id AND iv.version = held.v
    AND iv.date <= held.rd ORDER BY iv.date DESC LIMIT 1) END AS rebalance_value,
  CASE WHEN held.shares IS NULL THEN (SELECT p.close FROM prices p WHERE p.asset_id = held.asset_id AND p.date <= held.rd
    AND p.superseded_at IS NULL ORDER BY p.date DESC LIMIT 1) END AS rebalance_price
FROM held
JOIN assets s ON s.id = held.asset_id
LEFT JOIN quotes q ON q.asset_id = held.asset_id`;

/** The latest allocation of each watched index's ready version, with stored quotes. */
export async function allocationsInForce(db: D1Database, indexIds: string[]): Promise<AllocationInForce[]> {
  const { results } = await db.prepare(ALLOCATIONS_IN_FORCE).bind(JSON.stringify(indexIds)).all<AllocationInForce>();
  return results;
}

export interface VersionRows {
  values: Array<{ date: string; value: number; daily_return: number | null }>;
  /** One entry per rebalance: what it holds, as `[asset_id, weight, shares]` per asset. */
  allocations: Array<{
    rebalance_date: string;
    holdings: Array<[assetId: number, weight: number, shares: number | null]>;
  }>;
  rebalances: Array<{
    date: string;
    weights_before: Record<string, number>;
    weights_after: Record<string, number>;
    turnover: number;
    joined?: string[];
    left?: string[];
    caps_relaxed?: boolean;
  }>;
}

const INSERT_VALUES = `INSERT INTO index_values (index_id, version, date, value, daily_return)
  SELECT ?1, ?2, json_extract(value,'$[0]'), json_extract(value,'$[1]'), json_extract(value,'$[2]') FROM json_each(?3) WHERE true
  ON CONFLICT (index_id, version, date) DO UPDATE SET value = excluded.value, daily_return = excluded.daily_return`;

/** One row per rebalance: `[date, [[asset_id, weight, shares], ...]]` tuples, the holdings kept as JSON text. */
const INSERT_ALLOCATION_SETS = `INSERT INTO allocation_sets (index_id, version, rebalance_date, holdings)
  SELECT ?1, ?2, value ->> 0, value -> 1 FROM json_each(?3) WHERE true
  ON CONFLICT (index_id, version, rebalance_date) DO UPDATE SET holdings = excluded.holdings,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`;

const INSERT_REBALANCES = `INSERT INTO rebalances (index_id, version, date, weights_before, weights_after, turnover,
    joined, "left", caps_relaxed)
  SELECT ?1, ?2, json_extract(value,'$[0]'), json_extract(value,'$[1]'), json_extract(value,'$[2]'), json_extract(value,'$[3]'),
    json_extract(value,'$[4]'), json_extract(value,'$[5]'), json_extract(value,'$[6]')
  FROM json_each(?3) WHERE true
  ON CONFLICT (index_id, version, date) DO UPDATE SET weights_before = excluded.weights_before,
    weights_after = excluded.weights_after, turnover = excluded.turnover, joined = excluded.joined,
    "left" = excluded."left", caps_relaxed = excluded.caps_relaxed`;

/**
 * Publishes `version` in the same transaction as its last rows. It never moves ready_version backwards, and
 * only marks the index ready when no newer version has been requested meanwhile.
 */
const PUBLISH = `UPDATE indexes SET ready_version = ?2,
    status = CASE WHEN version = ?2 THEN 'ready' ELSE status END,
    failure_reason = CASE WHEN version = ?2 THEN NULL ELSE failure_reason END,
    benchmark_used = ?3, built_at = ?4, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
  WHERE id = ?1 AND (ready_version IS NULL OR ready_version < ?2)`;

/**
 * Writes every row of (indexId, version), then publishes it in the final batch. Rows are upserts, so a
 * retried job rewrites the same version in place; readers keep reading the previous ready_version meanwhile.
 */
export async function writeVersion(
  db: D1Database,
  indexId: string,
  version: number,
  rows: VersionRows,
  publish: { benchmarkUsed: string | null; builtAt: string },
): Promise<{ statements: number; batches: number }> {
  const statements: D1PreparedStatement[] = [];
  for (const part of slices(rows.values, ROWS_PER_STATEMENT)) {
    const json = JSON.stringify(part.map((v) => [v.date, v.value, v.daily_return]));
    statements.push(db.prepare(INSERT_VALUES).bind(indexId, version, json));
  }
  // A rebalance that holds nothing writes no set, so the one before it stays in force (as with no rows before).
  const sets = rows.allocations
    .filter((a) => a.holdings.length > 0)
    .map((a) => JSON.stringify([a.rebalance_date, a.holdings]));
  for (const json of chunkByBytes(sets))
    statements.push(db.prepare(INSERT_ALLOCATION_SETS).bind(indexId, version, json));
  const encoded = rows.rebalances.map((r) =>
    JSON.stringify([
      r.date,
      r.weights_before,
      r.weights_after,
      r.turnover,
      r.joined ?? [],
      r.left ?? [],
      r.caps_relaxed ? 1 : 0,
    ]),
  );
  for (const json of chunkByBytes(encoded)) statements.push(db.prepare(INSERT_REBALANCES).bind(indexId, version, json));
  statements.push(db.prepare(PUBLISH).bind(indexId, version, publish.benchmarkUsed, publish.builtAt));
  const batches = slices(statements, STATEMENTS_PER_BATCH);
  for (const group of batches) await db.batch(group);
  return { statements: statements.length, batches: batches.length };
}

/** Marks the requested version failed; an older ready version stays readable. */
export async function markVersionFailed(
  db: D1Database,
  indexId: string,
  version: number,
  reason: string,
): Promise<void> {
  await db
    .prepare(
      `UPDATE indexes SET status = 'failed', failure_reason = ?3, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
       WHERE id = ?1 AND version = ?2`,
    )
    .bind(indexId, version, reason.slice(0, 1000))
    .run();
}

export interface ValuesPage {
  start?: string;
  end?: string;
  after?: string;
  limit: number;
}

/** One page of levels of a version, ascending; fetches limit + 1 rows (see toPage). */
export async function readValues(db: D1Database, indexId: string, version: number, q: ValuesPage) {
  const { results } = await db
    .prepare(
      `SELECT date, value, daily_return FROM index_values
       WHERE index_id = ?1 AND version = ?2 AND (?3 IS NULL OR date >= ?3) AND (?4 IS NULL OR date <= ?4) AND (?5 IS NULL OR date > ?5)
       ORDER BY date LIMIT ?6`,
    )
    .bind(indexId, version, q.start ?? null, q.end ?? null, q.after ?? null, q.limit + 1)
    .all<{ date: string; value: number; daily_return: number | null }>();
  return results;
}

/** Every level of a version (for metrics and the benchmark comparison: ~252 rows a year). */
export async function readLevels(db: D1Database, indexId: string, version: number) {
  const { results } = await db
    .prepare("SELECT date, value FROM index_values WHERE index_id = ?1 AND version = ?2 ORDER BY date")
    .bind(indexId, version)
    .all<{ date: string; value: number }>();
  return results;
}

/** The allocation of the latest rebalance on or before `date` (latest overall without one). */
export async function readAllocationOn(db: D1Database, indexId: string, version: number, date: string | null) {
  const { results } = await db
    .prepare(
      `SELECT a.rebalance_date, s.symbol, h.value ->> 1 AS weight, h.value ->> 2 AS shares
       FROM allocation_sets a, json_each(a.holdings) h JOIN assets s ON s.id = h.value ->> 0
       WHERE a.index_id = ?1 AND a.version = ?2 AND a.rebalance_date = (
         SELECT MAX(rebalance_date) FROM allocation_sets WHERE index_id = ?1 AND version = ?2 AND (?3 IS NULL OR rebalance_date <= ?3))
       ORDER BY weight DESC, s.symbol`,
    )
    .bind(indexId, version, date)
    .all<{ rebalance_date: string; symbol: string; weight: number; shares: number | null }>();
  return results;
}

export async function readRebalances(
  db: D1Database,
  indexId: string,
  version: number,
  after: string | undefined,
  limit: number,
) {
  const { results } = await db
    .prepare(
      `SELECT date, weights_before, weights_after, turnover, joined, "left", caps_relaxed FROM rebalances
       WHERE index_id = ?1 AND version = ?2 AND (?3 IS NULL OR date > ?3) ORDER BY date LIMIT ?4`,
    )
    .bind(indexId, version, after ?? null, limit + 1)
    .all<{
      date: string;
      weights_before: string;
      weights_after: string;
      turnover: number;
      joined: string;
      left: string;
      caps_relaxed: number;
    }>();
  return results.map((r) => ({
    date: r.date,
    weights_before: JSON.parse(r.weights_before) as Record<string, number>,
    weights_after: JSON.parse(r.weights_after) as Record<string, number>,
    turnover: r.turnover,
    joined: JSON.parse(r.joined) as string[],
    left: JSON.parse(r.left) as string[],
    caps_relaxed: r.caps_relaxed === 1,
  }));
}
