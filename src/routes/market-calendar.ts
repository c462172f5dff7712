// The US equity market's clock: whether it is open at an instant, and its sessions, holidays and half days.
import { createRoute } from "@hono/zod-openapi";
import { calendarWindow } from "../domain/calendar";
import { marketCalendar, marketStatus } from "../domain/trading-session";
import { ApiError } from "../errors";
import { requireScope } from "../http/auth";
import { cacheControl } from "../http/caching";
import type { App } from "../http/context";
import { MarketCalendar, MarketCalendarQuery, MarketStatus, MarketStatusQuery } from "../schemas/market-calendar";
import { errorResponses, jsonContent, security } from "../schemas/route-parts";

const status = createRoute({
  method: "get",
  path: "/v1/market/status",
  "x-rate-limit-cost": 1,
  tags: ["market data"],
  summary: "Whether the US equity market is open, in pre-market, after-hours or closed, and its next open and close",
  security,
  middleware: [requireScope("read")] as const,
  request: { query: MarketStatusQuery },
  responses: { 200: jsonContent(MarketStatus, "The market's state at the instant"), ...errorResponses },
});

const calendar = createRoute({
  method: "get",
  path: "/v1/market/calendar",
  // Pure computation, but a ten-year range answers some 2,500 sessions.
  "x-rate-limit-cost": 2,
  tags: ["market data"],
  summary: "Trading days (with open and close), holidays and early closes of the US equity market in a date range",
  security,
  middleware: [requireScope("read")] as const,
  request: { query: MarketCalendarQuery },
  responses: { 200: jsonContent(MarketCalendar, "The calendar of the range"), ...errorResponses },
});

export function registerMarketCalendarRoutes(app: App) {
  app.openapi(status, (c) => {
    const q = c.req.valid("query");
    const at = new Date(q.at ?? Date.now());
    const s = marketStatus(at);
    // Asked about now, the answer turns at the next open or close and `as_of` moves: a cache keeps it only briefly.
    const maxAge = c.get("config").HTTP_CACHE_MAX_AGE_SECONDS;
    c.header("Cache-Control", cacheControl("market", q.at === undefined ? Math.min(5, maxAge) : maxAge));
    return c.json(
      {
        market: s.market,
        next_open: s.next_open.toISOString(),
        next_close: s.next_close.toISOString(),
        as_of: at.toISOString(),
      },
      200,
    );
  });

  app.openapi(calendar, (c) => {
    const window = calendarWindow(c.req.valid("query"), new Date().toISOString().slice(0, 10));
    if (!window.ok)
      throw ApiError.validation(`${window.path} ${window.message}`, [{ path: window.path, message: window.message }]);
    const cal = marketCalendar(window.start, window.end);
    c.header("Cache-Control", cacheControl("market", c.get("config").HTTP_CACHE_MAX_AGE_SECONDS));
    return c.json(
      {
        start: window.start,
        end: window.end,
        timezone: "America/New_York" as const,
        trading_days: cal.trading_days.map((d) => ({
          date: d.date,
          open: d.open.toISOString(),
          close: d.close.toISOString(),
          early_close: d.early_close,
        })),
        holidays: cal.holidays,
        early_closes: cal.early_closes.map((d) => ({ date: d.date, close: d.close.toISOString(), name: d.name })),
      },
      200,
    );
  });
}
