// Reads the risk models need beyond the index's own rows: constituents with their sectors, and sector peers.

export interface SectorAsset {
  id: number;
  symbol: string;
  sector: string | null;
}

/** Active assets for `symbols` with their sectors. */
export async function readAssetsWithSectors(db: D1Database, symbols: readonly string[]): Promise<SectorAsset[]> {
  const { results } = await db
    .prepare(
      "SELECT id, symbol, sector FROM assets WHERE deleted_at IS NULL AND symbol IN (SELECT value FROM json_each(?1)) ORDER BY symbol",
    )
    .bind(JSON.stringify(symbols))
    .all<SectorAsset>();
  return results;
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
