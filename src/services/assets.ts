// The instrument universe as the API sees it: cached lists and details, admin writes (each bumps the cache), and
// the 404/422 checks other services make on symbols. A newly added asset gets its history backfilled.
import type { Config } from "../config";
import {
  type AssetChanges,
  type AssetFilter,
  type AssetRow,
  activeAssetIds,
  restoreAsset as clearDeletion,
  type FirstMarketCap,
  findAsset,
  findAssetView,
  insertAsset,
  insertAssetWithMarketCap,
  isDeletedAsset,
  listAssets,
  type NewAsset,
  probeAssets,
  softDeleteAsset,
  updateAsset,
} from "../db/assets";
import { ApiError } from "../errors";
import { atCurrentVersion, bumpVersion, entryKey, readEntry, readThrough } from "./cache";
import { enqueueJob } from "./jobs";

export { type AssetRow, toPublicAsset } from "../db/assets";

/** The list filters; `after` is the last symbol of the previous page. */
export type AssetListQuery = AssetFilter;

/** The versioned cache key of one asset page: an ETag source (see http/versioned-answer.ts). */
export async function assetPageKey(env: Env, q: AssetListQuery): Promise<string | null> {
  const key = JSON.stringify([q.search, q.asset_class, q.exchange, q.sector, q.after, q.limit]);
  return entryKey(await atCurrentVersion(env.CACHE, "assets"), `list:${key}`);
}

/**
 * One page of assets ordered by symbol (limit + 1 rows), cached until an asset write bumps `assets`.
 * `key`: from `assetPageKey`, when the caller already read the version.
 */
export async function assetPage(env: Env, cfg: Config, q: AssetListQuery, key?: string | null) {
  const at = key === undefined ? await assetPageKey(env, q) : key;
  return readEntry(env.CACHE, at, cfg.CACHE_TTL_SECONDS, () => listAssets(env.DB, q));
}

/** The public view of one active asset (null when there is none), cached like the lists. */
export function assetDetail(env: Env, cfg: Config, symbol: string) {
  return readThrough(
    env.CACHE,
    "assets",
    `one:${symbol}`,
    cfg.CACHE_TTL_SECONDS,
    async () => (await findAssetView(env.DB, symbol)) ?? null,
  );
}

/** The active asset by symbol, or 404. */
export async function requireAsset(db: D1Database, symbol: string): Promise<AssetRow> {
  const asset = await findAsset(db, symbol);
  if (!asset) throw ApiError.notFound(`Asset ${symbol}`);
  return asset;
}

/** The symbols (deduplicated, in the order given) that are not active assets. */
export async function unknownSymbols(db: D1Database, symbols: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(symbols)];
  const known = new Set((await activeAssetIds(db, wanted)).map((a) => a.symbol));
  return wanted.filter((s) => !known.has(s));
}

/**
 * Adds an asset (with its first market-cap observation, when given, in the same atomic write) and queues its
 * backfill; null when the symbol exists, a deleted one included (restore that one instead).
 */
export async function createAsset(env: Env, asset: NewAsset, cap: FirstMarketCap | null = null) {
  const inserted = cap ? await insertAssetWithMarketCap(env.DB, asset, cap) : !!(await insertAsset(env.DB, asset));
  if (!inserted) return null;
  await bumpVersion(env.CACHE, "assets", `prices:${asset.symbol}`);
  await enqueueJob(env, { kind: "refresh", mode: "backfill", symbols: [asset.symbol] });
  return findAssetView(env.DB, asset.symbol);
}

/** Whether a symbol names an active asset, a soft-deleted one, or none. */
export async function assetState(db: D1Database, symbol: string): Promise<"active" | "deleted" | "none"> {
  if (await findAsset(db, symbol)) return "active";
  return (await isDeletedAsset(db, symbol)) ? "deleted" : "none";
}

/**
 * Undoes a soft delete: the asset and its kept history are served again and a backfill refresh fills the days
 * it missed meanwhile. Null when there is no deleted asset by that symbol.
 */
export async function restoreAsset(env: Env, symbol: string) {
  if (!(await clearDeletion(env.DB, symbol))) return null;
  await bumpVersion(env.CACHE, "assets", `prices:${symbol}`);
  await enqueueJob(env, { kind: "refresh", mode: "backfill", symbols: [symbol] });
  return findAssetView(env.DB, symbol);
}

/** Changes an active asset; null when there is none by that symbol. */
export async function changeAsset(env: Env, symbol: string, changes: AssetChanges) {
  if (!(await updateAsset(env.DB, symbol, changes))) return null;
  await bumpVersion(env.CACHE, "assets");
  return findAssetView(env.DB, symbol);
}

/** Soft delete (its price history stays); false when there is no active asset by that symbol. */
export async function deleteAsset(env: Env, symbol: string): Promise<boolean> {
  if (!(await softDeleteAsset(env.DB, symbol))) return false;
  await bumpVersion(env.CACHE, "assets", `prices:${symbol}`);
  return true;
}

/** The cheapest D1 round trip (readiness probe). */
export const probeDatabase = (db: D1Database) => probeAssets(db);
