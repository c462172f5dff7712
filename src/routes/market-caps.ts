// An asset's point-in-time market-cap history: the observations index rebalances weight by.
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { requireScope } from "../http/auth";
import { cacheControl } from "../http/caching";
import type { App } from "../http/context";
import { cursorScope, readCursor, toPage } from "../http/pagination";
import { MarketCapList, MarketCapQuery } from "../schemas/market-history";
import { errorResponses, jsonContent, security, symbolParam } from "../schemas/route-parts";
import { marketCapHistory } from "../services/market-caps";

const list = createRoute({
  method: "get",
  path: "/v1/assets/{symbol}/market-caps",
  "x-rate-limit-cost": 1,
  tags: ["market data"],
  summary: "Dated market-cap history (shares outstanding × raw close), oldest first",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: z.object({ symbol: symbolParam }), query: MarketCapQuery },
  responses: { 200: jsonContent(MarketCapList, "A page of market-cap observations"), ...errorResponses },
});

export function registerMarketCapRoutes(app: App) {
  app.openapi(list, async (c) => {
    const { symbol } = c.req.valid("param");
    const q = c.req.valid("query");
    const scope = cursorScope(c, { symbol, ...q });
    const after = await readCursor<{ d: string }>(c, scope, q.cursor);
    if (after !== undefined && (typeof after.d !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(after.d))) {
      throw new ApiError("invalid_cursor", "The cursor is malformed");
    }
    const rows = await marketCapHistory(c.env, symbol, { start: q.start, end: q.end, after: after?.d, limit: q.limit });
    const page = await toPage(c, scope, rows, q.limit, (last) => ({ d: last.date }));
    c.header("Cache-Control", cacheControl("market", c.get("config").HTTP_CACHE_MAX_AGE_SECONDS));
    return c.json({ data: page.items, next_cursor: page.next_cursor }, 200);
  });
}
