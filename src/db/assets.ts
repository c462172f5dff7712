// The instrument universe: lookups by symbol, filtered keyset pages, the public shape with the latest market cap,
// and the admin writes (create, change, soft delete).
import { and, asc, eq, gt, isNull, or, sql } from "drizzle-orm";
import { orm } from "./client";
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
export async function findAsset(db: D1Database, symbol: string): Promise<AssetRow | undefined> {
  return orm(db)
    .select()
    .from(assets)
    .where(and(eq(assets.symbol, symbol), isNull(assets.deletedAt)))
    .get();
}

export async function findAssetView(db: D1Database, symbol: string) {
  return orm(db)
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

/** One page ordered by symbol; `after` is the last symbol of the previous page. */
export async function listAssets(db: D1Database, f: AssetFilter) {
  const conditions = [isNull(assets.deletedAt)];
  if (f.search) {
    // instr, not LIKE: no metacharacters to escape and no pattern-length limit (D1 refuses LIKE patterns over 50 bytes).
    conditions.push(
      or(
        sql`instr(${assets.symbol}, ${f.search.toUpperCase()}) = 1`,
        sql`instr(lower(${assets.name}), ${f.search.toLowerCase()}) > 0`,
      )!,
    );
  }
  if (f.asset_class) conditions.push(eq(assets.assetClass, f.asset_class));
  if (f.exchange) conditions.push(eq(assets.exchange, f.exchange.toUpperCase()));
  if (f.sector) conditions.push(sql`lower(${assets.sector}) = ${f.sector.toLowerCase()}`);
  if (f.after) conditions.push(gt(assets.symbol, f.after));
  return orm(db)
    .select(assetColumns)
    .from(assets)
    .where(and(...conditions))
    .orderBy(asc(assets.symbol))
    .limit(f.limit + 1)
    .all();
}

export async function activeAssetIds(
  db: D1Database,
  symbols?: string[],
): Promise<Array<{ id: number; symbol: string; listedAt: string | null; assetClass: string }>> {
  const rows = await orm(db)
    .select({ id: assets.id, symbol: assets.symbol, listedAt: assets.listedAt, assetClass: assets.assetClass })
    .from(assets)
    .where(isNull(assets.deletedAt))
    .orderBy(asc(assets.symbol))
    .all();
  if (!symbols) return rows;
  const wanted = new Set(symbols);
  return rows.filter((r) => wanted.has(r.symbol));
}

export interface ResolvedAsset {
  id: number;
  symbol: string;
}

/** Active assets among `symbols` (any order; unknown ones are simply absent). */
export async function activeAssetsAmong(db: D1Database, symbols: readonly string[]): Promise<ResolvedAsset[]> {
  const { results } = await db
    .prepare("SELECT id, symbol FROM assets WHERE deleted_at IS NULL AND symbol IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(symbols))
    .all<ResolvedAsset>();
  return results;
}

/** Active assets among `symbols` with the asked `columns` of each, ordered by symbol. */
async function activeAmong<T>(
  db: D1Database,
  columns: "id, symbol" | "id, symbol, sector",
  symbols: readonly string[],
) {
  const { results } = await db
    .prepare(
      `SELECT ${columns} FROM assets WHERE deleted_at IS NULL AND symbol IN (SELECT value FROM json_each(?1)) ORDER BY symbol`,
    )
    .bind(JSON.stringify(symbols))
    .all<T>();
  return results;
}

/** Active assets among `symbols`, ordered by symbol. */
export function activeAssetsBySymbol(db: D1Database, symbols: readonly string[]): Promise<ResolvedAsset[]> {
  return activeAmong<ResolvedAsset>(db, "id, symbol", symbols);
}

/** Whether `symbol` is an active asset. */
export async function isActiveSymbol(db: D1Database, symbol: string): Promise<boolean> {
  return (
    (await db.prepare("SELECT 1 AS ok FROM assets WHERE symbol = ? AND deleted_at IS NULL").bind(symbol).first()) !==
    null
  );
}

/** The first of `candidates` (in order) that is active and has at least two current bars in [start, end]. */
export async function firstPricedAsset(
  db: D1Database,
  candidates: readonly string[],
  range: { start: string; end: string },
): Promise<ResolvedAsset | null> {
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

/** Every active asset's id and symbol (the live hub's symbol map). */
export async function allActiveAssets(db: D1Database): Promise<ResolvedAsset[]> {
  const { results } = await db.prepare("SELECT id, symbol FROM assets WHERE deleted_at IS NULL").all<ResolvedAsset>();
  return results;
}

/** How many assets exist at all, deleted ones included (local seeding runs only on an empty database). */
export async function countAssets(db: D1Database): Promise<number> {
  return (await db.prepare("SELECT COUNT(*) AS n FROM assets").first<{ n: number }>())?.n ?? 0;
}

/** The cheapest query that proves D1 answers (readiness probe). */
export async function probeAssets(db: D1Database): Promise<void> {
  await db.prepare("SELECT 1 FROM assets LIMIT 1").all();
}

export type NewAsset = Pick<
  typeof assets.$inferInsert,
  "symbol" | "name" | "exchange" | "assetClass" | "currency" | "sector" | "listedAt"
>;

/** A new asset, or undefined when the symbol exists. */
export function insertAsset(db: D1Database, asset: NewAsset): Promise<AssetRow | undefined> {
  return orm(db).insert(assets).values(asset).onConflictDoNothing().returning().get();
}

/** A first market-cap observation given with a new asset. */
export interface FirstMarketCap {
  date: string;
  marketCap: number;
  sharesOutstanding: number | null;
}

/**
 * Adds an asset and its first market-cap observation in one atomic batch; false when the symbol exists (a
 * deleted one included), in which case nothing is written: the cap row is inserted only when the asset
 * insert itself changed a row.
 */
export async function insertAssetWithMarketCap(db: D1Database, asset: NewAsset, cap: FirstMarketCap): Promise<boolean> {
  const [inserted] = await db.batch([
    db
      .prepare(
        `INSERT INTO assets (symbol, name, exchange, asset_class, currency, sector, listed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING`,
      )
      .bind(
        asset.symbol,
        asset.name,
        asset.exchange,
        asset.assetClass,
        asset.currency ?? "USD",
        asset.sector ?? null,
        asset.listedAt ?? null,
      ),
    db
      .prepare(
        `INSERT INTO market_caps (asset_id, date, market_cap, shares_outstanding, source)
         SELECT id, ?2, ?3, ?4, 'admin' FROM assets WHERE symbol = ?1 AND changes() = 1`,
      )
      .bind(asset.symbol, cap.date, cap.marketCap, cap.sharesOutstanding),
  ]);
  return (inserted?.meta.changes ?? 0) === 1;
}

/** True when a soft-deleted asset has this symbol. */
export async function isDeletedAsset(db: D1Database, symbol: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS x FROM assets WHERE symbol = ?1 AND deleted_at IS NOT NULL")
    .bind(symbol)
    .first();
  return row !== null;
}

/** Clears an asset's soft delete; false when there is no deleted asset by that symbol. */
export async function restoreAsset(db: D1Database, symbol: string): Promise<boolean> {
  const restored = await orm(db)
    .update(assets)
    .set({ deletedAt: null, updatedAt: new Date().toISOString() })
    .where(and(eq(assets.symbol, symbol), sql`${assets.deletedAt} IS NOT NULL`))
    .returning({ id: assets.id })
    .get();
  return restored !== undefined;
}

/** Seeds the universe; existing symbols are left alone. 7 bound parameters a row: 12 rows per statement. */
export async function insertAssetsIfAbsent(
  db: D1Database,
  list: NewAsset[],
): Promise<Array<{ id: number; symbol: string }>> {
  const d = orm(db);
  const inserts = [];
  for (let i = 0; i < list.length; i += 12)
    inserts.push(
      d
        .insert(assets)
        .values(list.slice(i, i + 12))
        .onConflictDoNothing(),
    );
  const [first, ...rest] = inserts;
  if (first) await d.batch([first, ...rest]);
  return d.select({ id: assets.id, symbol: assets.symbol }).from(assets).all();
}

export type AssetChanges = Partial<
  Pick<
    typeof assets.$inferInsert,
    "name" | "exchange" | "assetClass" | "currency" | "sector" | "listedAt" | "delistedAt"
  >
>;

/** Changes an active asset; false when there is none by that symbol. */
export async function updateAsset(db: D1Database, symbol: string, changes: AssetChanges): Promise<boolean> {
  const updated = await orm(db)
    .update(assets)
    .set({ ...changes, updatedAt: new Date().toISOString() })
    .where(and(eq(assets.symbol, symbol), isNull(assets.deletedAt)))
    .returning({ id: assets.id })
    .get();
  return updated !== undefined;
}

/** Soft delete: the row and its price history stay. False when there is no active asset by that symbol. */
export async function softDeleteAsset(db: D1Database, symbol: string): Promise<boolean> {
  const now = new Date().toISOString();
  const deleted = await orm(db)
    .update(assets)
    .set({ deletedAt: now, updatedAt: now })
    .where(and(eq(assets.symbol, symbol), isNull(assets.deletedAt)))
    .returning({ id: assets.id })
    .get();
  return deleted !== undefined;
}

/** Active, still-listed assets (the synthetic ticker's universe). */
export async function listedAssets(db: D1Database): Promise<ResolvedAsset[]> {
  const { results } = await db
    .prepare("SELECT id, symbol FROM assets WHERE deleted_at IS NULL AND delisted_at IS NULL")
    .all<ResolvedAsset>();
  return results;
}

/** Sector per symbol for the active assets among `symbols`. */
export async function sectorsOf(db: D1Database, symbols: readonly string[]): Promise<Record<string, string | null>> {
  const { results } = await db
    .prepare(
      "SELECT symbol, sector FROM assets WHERE deleted_at IS NULL AND symbol IN (SELECT value FROM json_each(?1))",
    )
    .bind(JSON.stringify(symbols))
    .all<{ symbol: string; sector: string | null }>();
  return Object.fromEntries(results.map((r) => [r.symbol, r.sector]));
}

/** Ids of the assets with these symbols, deleted ones included (a past constituent still has history). */
export async function assetIdsBySymbol(db: D1Database, symbols: readonly string[]): Promise<Map<string, number>> {
  if (symbols.length === 0) return new Map();
  const { results } = await db
    .prepare("SELECT id, symbol FROM assets WHERE symbol IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(symbols))
    .all<{ id: number; symbol: string }>();
  return new Map(results.map((r) => [r.symbol, r.id]));
}

export interface SectorAsset {
  id: number;
  symbol: string;
  sector: string | null;
}

/** Active assets for `symbols` with their sectors, ordered by symbol. */
export function readAssetsWithSectors(db: D1Database, symbols: readonly string[]): Promise<SectorAsset[]> {
  return activeAmong<SectorAsset>(db, "id, symbol, sector", symbols);
}

/** Up to `perSector` active equities of each sector (by symbol), the members of the sector factor returns. */
export async function readSectorMembers(
  db: D1Database,
  sectors: readonly string[],
  perSector: number,
): Promise<SectorAsset[]> {
  const { results } = await db
    .prepare(
      `SELECT id, symbol, sector FROM (
         SELECT id, symbol, sector, ROW_NUMBER() OVER (PARTITION BY sector ORDER BY symbol) AS k FROM assets
         WHERE deleted_at IS NULL AND asset_class = 'equity' AND sector IN (SELECT value FROM json_each(?1)))
       WHERE k <= ?2 ORDER BY sector, symbol`,
    )
    .bind(JSON.stringify(sectors), perSector)
    .all<SectorAsset>();
  return results;
}
