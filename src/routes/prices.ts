// Daily bars of one asset: current values by default, or as they were known at `as_of`.
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { requireScope } from "../http/auth";
import { cacheControl } from "../http/caching";
import type { App } from "../http/context";
import { cursorScope, readCursor, toPage } from "../http/pagination";
import { versionedJson } from "../http/versioned-answer";
import { BarList, PriceQuery } from "../schemas/market";
import { errorResponses, jsonContent, security, symbolParam } from "../schemas/route-parts";
import { barPage, barPageKey } from "../services/prices";

const list = createRoute({
  method: "get",
  path: "/v1/assets/{symbol}/prices",
  "x-rate-limit-cost": 1,
  tags: ["market data"],
  summary: "Daily bars (raw OHLCV and split/dividend-adjusted close)",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: z.object({ symbol: symbolParam }), query: PriceQuery },
  responses: { 200: jsonContent(BarList, "A page of bars"), ...errorResponses },
});

export function registerPriceRoutes(app: App) {
  app.openapi(list, async (c) => {
    const { symbol } = c.req.valid("param");
    const q = c.req.valid("query");
    const cfg = c.get("config");
    const scope = cursorScope(c, { symbol, ...q });
    const after = await readCursor<{ d: string }>(c, scope, q.cursor);
    if (after !== undefined && (typeof after.d !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(after.d))) {
      throw new ApiError("invalid_cursor", "The cursor is malformed");
    }
    const query = {
      start: q.start,
      end: q.end,
      order: q.order,
      after: after?.d,
      asOf: q.as_of,
      limit: q.limit,
      adjustment: q.adjustment,
    };
    const key = await barPageKey(c.env, symbol, query);
    c.header("Cache-Control", cacheControl("market", cfg.HTTP_CACHE_MAX_AGE_SECONDS));
    return versionedJson(c, key, async () => {
      const { value: rows, hit } = await barPage(c.env, cfg, symbol, query, key);
      c.set("cache", hit ? "hit" : "miss");
      const page = await toPage(c, scope, rows, q.limit, (last) => ({ d: last.date }));
      return { data: page.items, next_cursor: page.next_cursor };
    });
  });
}
