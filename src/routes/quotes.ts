// Latest quotes for up to 100 symbols; unknown symbols are listed under `missing`.
import { createRoute } from "@hono/zod-openapi";
import { requireScope } from "../http/auth";
import { cacheControl } from "../http/caching";
import type { App } from "../http/context";
import { versionedJson } from "../http/versioned-answer";
import { QuoteList, QuoteQuery } from "../schemas/market";
import { errorResponses, jsonContent, security } from "../schemas/route-parts";
import { keepLocalClockAwake } from "../services/live";
import { latestQuotes, quotesEntryKey } from "../services/quotes";

const list = createRoute({
  method: "get",
  path: "/v1/quotes",
  "x-rate-limit-cost": 2,
  tags: ["market data"],
  summary: "Latest quote per symbol",
  security,
  middleware: [requireScope("read")] as const,
  request: { query: QuoteQuery },
  responses: { 200: jsonContent(QuoteList, "Quotes, and the symbols that have none"), ...errorResponses },
});

export function registerQuoteRoutes(app: App) {
  app.openapi(list, async (c) => {
    const { symbols } = c.req.valid("query");
    const cfg = c.get("config");
    keepLocalClockAwake(c.env, cfg, (work) => c.executionCtx.waitUntil(work));
    const key = await quotesEntryKey(c.env, symbols);
    c.header("Cache-Control", cacheControl("market", Math.min(5, cfg.HTTP_CACHE_MAX_AGE_SECONDS)));
    return versionedJson(c, key, async () => {
      const { quotes, missing, hit } = await latestQuotes(c.env, cfg, symbols, key);
      c.set("cache", hit ? "hit" : "miss");
      return { data: quotes, missing };
    });
  });
}
