// GET /v1/portfolio: cash, equity, positions marked at their latest quotes, realized P&L.
import { createRoute, z } from "@hono/zod-openapi";
import { ownerScope, requireScope } from "../http/auth";
import type { App } from "../http/context";
import { errorResponses, fieldsParam, jsonContent, security } from "../schemas/route-parts";
import { Portfolio } from "../schemas/trading";
import { portfolioOf } from "../services/portfolio";

const read = createRoute({
  method: "get",
  path: "/v1/portfolio",
  "x-rate-limit-cost": 1,
  tags: ["paper trading"],
  summary: "Your paper account: cash, equity, positions and realized P&L",
  security,
  middleware: [requireScope("read")] as const,
  request: { query: z.strictObject({ fields: fieldsParam }) },
  responses: { 200: jsonContent(Portfolio, "The account marked to market"), ...errorResponses },
});

export function registerPortfolioRoutes(app: App) {
  app.openapi(read, async (c) => {
    const view = await portfolioOf(c.env, c.get("config"), ownerScope(c));
    return c.json(view as z.infer<typeof Portfolio>, 200);
  });
}
