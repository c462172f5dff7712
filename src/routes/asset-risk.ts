// Per-asset risk reads: candlestick patterns and volatility forecasts, cached until a refresh lands.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireScope } from "../http/auth";
import { cacheControl } from "../http/caching";
import type { App, AppEnv } from "../http/context";
import { PatternList, PatternsQuery, VolatilityForecast, VolatilityQuery } from "../schemas/risk";
import { errorResponses, jsonContent, problemResponse, security, symbolParam } from "../schemas/route-parts";
import { resolveRange } from "../services/analytics";
import { assetPatterns, assetVolatilityForecast, cachedAssetAnswer, parseKinds } from "../services/asset-risk";
import { requireAsset } from "../services/assets";

const tags = ["analytics"];
const SymbolPath = z.object({ symbol: symbolParam });

const patterns = createRoute({
  method: "get",
  path: "/v1/assets/{symbol}/patterns",
  "x-rate-limit-cost": 3,
  tags,
  summary: "Days with candlestick patterns (TA-Lib definitions) on adjusted bars",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: SymbolPath, query: PatternsQuery },
  responses: { 200: jsonContent(PatternList, "Pattern days"), ...errorResponses },
});

const volatility = createRoute({
  method: "get",
  path: "/v1/assets/{symbol}/volatility-forecast",
  "x-rate-limit-cost": 5,
  tags,
  summary:
    "Annualised volatility forecast (EWMA λ 0.94 or GARCH(1,1) by maximum likelihood) with the fitted parameters",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: SymbolPath, query: VolatilityQuery },
  responses: {
    200: jsonContent(VolatilityForecast, "The forecast"),
    ...errorResponses,
    409: problemResponse("Fewer than three daily bars"),
  },
});

async function cached<T>(c: Context<AppEnv>, symbol: string, key: string, load: () => Promise<T>): Promise<T> {
  const cfg = c.get("config");
  const { value, hit } = await cachedAssetAnswer(c.env, cfg, symbol, key, load);
  c.set("cache", hit ? "hit" : "miss");
  c.header("Cache-Control", cacheControl("market", cfg.HTTP_CACHE_MAX_AGE_SECONDS));
  return value;
}

const assetOf = (c: Context<AppEnv>, symbol: string) => requireAsset(c.env.DB, symbol);

export function registerAssetRiskRoutes(app: App) {
  app.openapi(patterns, async (c) => {
    const { symbol } = c.req.valid("param");
    const q = c.req.valid("query");
    const kinds = parseKinds(q.kinds);
    const asset = await assetOf(c, symbol);
    const result = await cached(c, symbol, `patterns:${JSON.stringify([q.start, q.end, kinds])}`, async () => {
      const range = await resolveRange(c.env.DB, [asset.id], q.start, q.end);
      return { symbol, data: await assetPatterns(c.env.DB, asset.id, range, kinds) };
    });
    return c.json(result, 200);
  });

  app.openapi(volatility, async (c) => {
    const { symbol } = c.req.valid("param");
    const q = c.req.valid("query");
    const asset = await assetOf(c, symbol);
    const result = await cached(c, symbol, `volatility:${q.model}:${q.horizon}`, async () => ({
      symbol,
      ...(await assetVolatilityForecast(c.env.DB, asset.id, q.model, q.horizon)),
    }));
    return c.json(result, 200);
  });
}
