// Price history reads for the API: bar pages (current, cached until a refresh bumps the symbol; or as of an
// instant), every revision of a day, and the corporate actions behind adj_close.
import type { Config } from "../config";
import { findAsset } from "../db/assets";
import { readCorporateActions } from "../db/market-events";
import { type BarQuery, type BarView, readBars, readRevisions } from "../db/prices";
import { ApiError } from "../errors";
import { requireAsset } from "./assets";
import { atCurrentVersion, type Cached, entryKey, readEntry } from "./cache";

/** A page of bars as the route asks for it: the db query without the asset id (resolved inside the cached work). */
export type BarPageQuery = Omit<BarQuery, "assetId">;

/** The versioned cache key of one bar page: an ETag source (see http/versioned-answer.ts). */
export async function barPageKey(env: Env, symbol: string, query: BarPageQuery): Promise<string | null> {
  return entryKey(await atCurrentVersion(env.CACHE, `prices:${symbol}`), JSON.stringify(query));
}

/**
 * One page of bars (limit + 1 rows). The asset lookup is part of the cached work: a hit costs no D1 query. An
 * unknown symbol throws 404 and caches nothing; deleting an asset bumps `prices:<symbol>`, so no cached page
 * outlives it. as_of answers are immutable history; current answers are cached until a refresh bumps the version.
 * `key`: from `barPageKey`, when the caller already read the version.
 */
export async function barPage(
  env: Env,
  cfg: Config,
  symbol: string,
  query: BarPageQuery,
  key?: string | null,
): Promise<Cached<BarView[]>> {
  const load = async () => {
    const asset = await findAsset(env.DB, symbol);
    if (!asset) throw ApiError.notFound(`Asset ${symbol}`);
    return readBars(env.DB, { ...query, assetId: asset.id });
  };
  const at = key === undefined ? await barPageKey(env, symbol, query) : key;
  return readEntry(env.CACHE, at, cfg.CACHE_TTL_SECONDS, load);
}

/** Every stored version of one day's bar, oldest first; 404 for an unknown symbol. */
export async function barRevisions(db: D1Database, symbol: string, date: string) {
  const asset = await requireAsset(db, symbol);
  return readRevisions(db, asset.id, date);
}

/** Splits and cash dividends of an asset in [start, end]; 404 for an unknown symbol. */
export async function corporateActionsOf(db: D1Database, symbol: string, start?: string, end?: string) {
  const asset = await requireAsset(db, symbol);
  return readCorporateActions(db, asset.id, start, end);
}
