// An asset's dated market-cap history, as the market-cap weighting reads it.
import { findAsset } from "../db/assets";
import { type MarketCapView, readMarketCapHistory } from "../db/market-events";
import { ApiError } from "../errors";

export async function marketCapHistory(
  env: Env,
  symbol: string,
  q: { start?: string; end?: string; after?: string; limit: number },
): Promise<MarketCapView[]> {
  const asset = await findAsset(env.DB, symbol);
  if (!asset) throw ApiError.notFound(`Asset ${symbol}`);
  return readMarketCapHistory(env.DB, { ...q, assetId: asset.id });
}
