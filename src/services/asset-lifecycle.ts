// What happens around an asset's life: a newly added asset gets its history backfilled in the background.
import type { Context } from "hono";
import type { AssetRow } from "../db/assets";
import { getDb } from "../db/client";
import type { AppEnv } from "../http/context";
import { enqueueJob } from "./jobs";

export async function onAssetCreated(c: Context<AppEnv>, asset: AssetRow): Promise<string> {
  return enqueueJob(c.env, getDb(c.env), { kind: "refresh", mode: "backfill", symbols: [asset.symbol] });
}
