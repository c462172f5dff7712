// Asset queries: lookups by symbol, filtered keyset pages, and the public shape with the latest market cap.
import { and, asc, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Db } from "./client";
import { assets } from "./schema";

export type AssetRow = typeof assets.$inferSelect;

const latestMarketCap = sql<
  number | null
>`(SELECT mc.market_cap FROM market_caps mc WHERE mc.asset_id = ${assets.id} ORDER BY mc.date DESC LIMIT 1)`;

export const assetColumns = {
  id: assets.id,
  symbol: assets.symbol,
  name: assets.name,
  exchange: assets.exchange,
  asset_class: assets.assetClass,
  currency: assets.currency,
  sector: assets.sector,
  market_cap: latestMarketCap,
  listed_at: assets.listedAt,
  delisted_at: assets.delistedAt,
};

export function toPublicAsset<T extends { id: number }>(row: T): Omit<T, "id"> {
  const { id: _, ...rest } = row;
  return rest;
}

/** Active (not soft-deleted) asset by symbol. */
export async function findAsset(db: Db, symbol: string): Promise<AssetRow | undefined> {
  return db
    .select()
    .from(assets)
    .where(and(eq(assets.symbol, symbol), isNull(assets.deletedAt)))
    .get();
}

export async function findAssetView(db: Db, symbol: string) {
  return db
    .select(assetColumns)
    .from(assets)
    .where(and(eq(assets.symbol, symbol), isNull(assets.deletedAt)))
    .get();
}

export interface AssetFilter {
  search?: string;
  asset_class?: string;
  exchange?: string;
  /** Exact sector name, compared case-insensitively. */
  sector?: string;
  after?: string;
  limit: number;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/** One page ordered by symbol; `after` is the last symbol of the previous page. */
export async function listAssets(db: Db, f: AssetFilter) {
  const conditions = [isNull(assets.deletedAt)];
  if (f.search) {
    const term = escapeLike(f.search);
    conditions.push(
      or(
        sql`${assets.symbol} LIKE ${`${term.toUpperCase()}%`} ESCAPE '\\'`,
        sql`${assets.name} LIKE ${`%${term}%`} ESCAPE '\\'`,
      )!,
    );
  }
  if (f.asset_class) conditions.push(eq(assets.assetClass, f.asset_class));
  if (f.exchange) conditions.push(eq(assets.exchange, f.exchange.toUpperCase()));
  if (f.sector) conditions.push(sql`lower(${assets.sector}) = ${f.sector.toLowerCase()}`);
  if (f.after) conditions.push(gt(assets.symbol, f.after));
  return db
    .select(assetColumns)
    .from(assets)
    .where(and(...conditions))
    .orderBy(asc(assets.symbol))
    .limit(f.limit + 1)
    .all();
}

export async function activeAssetIds(
  db: Db,
  symbols?: string[],
): Promise<Array<{ id: number; symbol: string; listedAt: string | null; assetClass: string }>> {
  const rows = await db
    .select({ id: assets.id, symbol: assets.symbol, listedAt: assets.listedAt, assetClass: assets.assetClass })
    .from(assets)
    .where(isNull(assets.deletedAt))
    .orderBy(asc(assets.symbol))
    .all();
  if (!symbols) return rows;
  const wanted = new Set(symbols);
  return rows.filter((r) => wanted.has(r.symbol));
}
