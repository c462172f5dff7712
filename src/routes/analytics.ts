// Market analytics: indicators, correlation matrix, anomalies and regimes, cached until a refresh lands.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireScope } from "../http/auth";
import { cacheControl } from "../http/caching";
import type { App, AppEnv } from "../http/context";
import {
  AnomalyList,
  CorrelationQuery,
  CorrelationResult,
  IndicatorQuery,
  IndicatorSeries,
  RangeQuery,
  RegimeList,
} from "../schemas/analytics";
import { bodyErrorResponses, errorResponses, jsonContent, security, symbolParam } from "../schemas/route-parts";
import { anomalyAnswer, correlationAnswer, defaultWindow, indicatorAnswer, regimeAnswer } from "../services/analytics";
import type { Cached } from "../services/cache";

const tags = ["analytics"];
const SymbolPath = z.object({ symbol: symbolParam });

const indicators = createRoute({
  method: "get",
  path: "/v1/assets/{symbol}/indicators",
  "x-rate-limit-cost": 3,
  tags,
  summary: "A technical indicator over adjusted daily bars, computed over the whole stored history",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: SymbolPath, query: IndicatorQuery },
  responses: { 200: jsonContent(IndicatorSeries, "The indicator series"), ...errorResponses },
});

const correlationRoute = createRoute({
  method: "get",
  path: "/v1/analytics/correlation",
  // At most 1 + the default ANALYTICS_MAX_SYMBOL_YEARS: a larger request is a 422, charged no more than the largest
  // accepted one (uncapped, it could cost more than a whole bucket and never get past 429 to its 422).
  "x-rate-limit-cost": { base: 1, per_symbol_year: 1, max: 151 },
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

/** Records the cache outcome and the market Cache-Control, and unwraps the answer. */
function answered<T>(c: Context<AppEnv>, { value, hit }: Cached<T>): T {
  c.set("cache", hit ? "hit" : "miss");
  c.header("Cache-Control", cacheControl("market", c.get("config").HTTP_CACHE_MAX_AGE_SECONDS));
  return value;
}

export function registerAnalyticsRoutes(app: App) {
  app.openapi(indicators, async (c) => {
    const { symbol } = c.req.valid("param");
    const q = c.req.valid("query");
    const window = q.window ?? defaultWindow(q.kind);
    const parameters =
      q.kind === "macd"
        ? { fast: q.fast ?? 12, slow: q.slow ?? 26, signal: q.signal ?? 9 }
        : q.kind === "bollinger"
          ? { window: window as number, k: q.k ?? 2 }
          : { window: window as number };
    const params = { window, ...parameters };
    const data = answered(c, await indicatorAnswer(c.env, c.get("config"), symbol, q.kind, params, q));
    return c.json({ symbol, kind: q.kind, window, parameters, data } as z.infer<typeof IndicatorSeries>, 200);
  });

  app.openapi(correlationRoute, async (c) => {
    const q = c.req.valid("query");
    return c.json(answered(c, await correlationAnswer(c.env, c.get("config"), q.symbols, q)), 200);
  });

  app.openapi(anomaliesRoute, async (c) => {
    const { symbol } = c.req.valid("param");
    return c.json(answered(c, await anomalyAnswer(c.env, c.get("config"), symbol, c.req.valid("query"))), 200);
  });

  app.openapi(regimeRoute, async (c) => {
    const { symbol } = c.req.valid("param");
    return c.json(answered(c, await regimeAnswer(c.env, c.get("config"), symbol, c.req.valid("query"))), 200);
  });
}
