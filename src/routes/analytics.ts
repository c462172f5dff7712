// Market analytics: indicators, correlation matrix, anomalies and regimes, cached until a refresh lands.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { findAsset } from "../db/assets";
import { getDb } from "../db/client";
import { requireScope } from "../http/auth";
import { cacheControl } from "../http/caching";
import type { App, AppEnv } from "../http/context";
import { ApiError } from "../http/errors";
import {
  AnomalyList,
  CorrelationQuery,
  CorrelationResult,
  IndicatorQuery,
  IndicatorSeries,
  RangeQuery,
  RegimeList,
} from "../schemas/analytics";
import { bodyErrorResponses, errorResponses, jsonContent, security, symbolParam } from "../schemas/common";
import { anomalies, correlation, defaultWindow, indicatorSeries, regimes, resolveRange } from "../services/analytics";
import { type CacheNamespace, readThrough } from "../services/cache";

const tags = ["analytics"];
const SymbolPath = z.object({ symbol: symbolParam });

const indicators = createRoute({
  method: "get",
  path: "/v1/assets/{symbol}/indicators",
  "x-rate-limit-cost": 3,
  tags,
  summary: "A technical indicator over adjusted daily bars (warmed up on history before start)",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: SymbolPath, query: IndicatorQuery },
  responses: { 200: jsonContent(IndicatorSeries, "The indicator series"), ...errorResponses },
});

const correlationRoute = createRoute({
  method: "get",
  path: "/v1/analytics/correlation",
  "x-rate-limit-cost": { base: 1, per_symbol_year: 1 },
  tags,
  summary: "Correlation matrix of daily returns (2 to 50 symbols; each pair over the days both traded)",
  security,
  middleware: [requireScope("read")] as const,
  request: { query: CorrelationQuery },
  responses: { 200: jsonContent(CorrelationResult, "The matrix"), ...bodyErrorResponses },
});

const anomaliesRoute = createRoute({
  method: "get",
  path: "/v1/assets/{symbol}/anomalies",
  "x-rate-limit-cost": 3,
  tags,
  summary: "Days whose return or volume is anomalous (robust z-score over the range), with score and reason",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: SymbolPath, query: RangeQuery },
  responses: { 200: jsonContent(AnomalyList, "Anomalous days"), ...errorResponses },
});

const regimeRoute = createRoute({
  method: "get",
  path: "/v1/assets/{symbol}/regime",
  "x-rate-limit-cost": 3,
  tags,
  summary: "Market regime per day (bull, bear, sideways, high_volatility) with the inputs that decided it",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: SymbolPath, query: RangeQuery },
  responses: { 200: jsonContent(RegimeList, "Regime per day"), ...errorResponses },
});

/**
 * Single-symbol answers live in the symbol's `prices:<symbol>` namespace (bumped by every refresh or
 * corporate action touching it); the multi-symbol correlation in `analytics` (bumped by any refresh).
 */
async function cached<T>(c: Context<AppEnv>, ns: CacheNamespace, key: string, load: () => Promise<T>): Promise<T> {
  const cfg = c.get("config");
  const { value, hit } = await readThrough(c.env.CACHE, ns, key, cfg.CACHE_TTL_SECONDS, load);
  c.set("cache", hit ? "hit" : "miss");
  c.header("Cache-Control", cacheControl("market", cfg.HTTP_CACHE_MAX_AGE_SECONDS));
  return value;
}

async function assetOf(c: Context<AppEnv>, symbol: string) {
  const asset = await findAsset(getDb(c.env), symbol);
  if (!asset) throw ApiError.notFound(`Asset ${symbol}`);
  return asset;
}

export function registerAnalyticsRoutes(app: App) {
  app.openapi(indicators, async (c) => {
    const { symbol } = c.req.valid("param");
    const q = c.req.valid("query");
    const asset = await assetOf(c, symbol);
    const window = q.window ?? defaultWindow(q.kind);
    const data = await cached(
      c,
      `prices:${symbol}`,
      `indicator:${JSON.stringify([q.kind, window, q.start, q.end])}`,
      async () => {
        const range = await resolveRange(c.env.DB, [asset.id], q.start, q.end);
        return indicatorSeries(c.env.DB, asset.id, q.kind, window, range);
      },
    );
    return c.json({ symbol, kind: q.kind, window, data } as z.infer<typeof IndicatorSeries>, 200);
  });

  app.openapi(correlationRoute, async (c) => {
    const q = c.req.valid("query");
    const result = await cached(c, "analytics", `correlation:${JSON.stringify([q.symbols, q.start, q.end])}`, () =>
      correlation(c.env.DB, q.symbols, q.start, q.end, c.get("config").ANALYTICS_MAX_SYMBOL_YEARS),
    );
    return c.json(result, 200);
  });

  app.openapi(anomaliesRoute, async (c) => {
    const { symbol } = c.req.valid("param");
    const q = c.req.valid("query");
    const asset = await assetOf(c, symbol);
    const result = await cached(c, `prices:${symbol}`, `anomalies:${JSON.stringify([q.start, q.end])}`, async () => {
      const range = await resolveRange(c.env.DB, [asset.id], q.start, q.end);
      return { symbol, ...range, data: await anomalies(c.env.DB, asset.id, range) };
    });
    return c.json(result, 200);
  });

  app.openapi(regimeRoute, async (c) => {
    const { symbol } = c.req.valid("param");
    const q = c.req.valid("query");
    const asset = await assetOf(c, symbol);
    const result = await cached(c, `prices:${symbol}`, `regime:${JSON.stringify([q.start, q.end])}`, async () => {
      const range = await resolveRange(c.env.DB, [asset.id], q.start, q.end);
      return { symbol, ...range, data: await regimes(c.env.DB, asset.id, range) };
    });
    return c.json(result, 200);
  });
}
