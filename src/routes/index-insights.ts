// An index explained: GET /v1/indexes/{id}/insights (ranked sentences, each backed by its figures) and
// GET /v1/indexes/{id}/report (a printable HTML page with server-drawn SVG charts).
import { createRoute, z } from "@hono/zod-openapi";
import { principalOf, requireScope } from "../http/auth";
import type { App } from "../http/context";
import { IndexIdPath } from "../schemas/indexes";
import { InsightList } from "../schemas/insights";
import { errorResponses, fieldsParam, jsonContent, problemResponse, security } from "../schemas/route-parts";
import { ownedIndexInsights } from "../services/insights";
import { ownedIndexReport } from "../services/report";

const insights = createRoute({
  method: "get",
  path: "/v1/indexes/{id}/insights",
  "x-rate-limit-cost": 5,
  tags: ["indexes"],
  summary: "Plain sentences computed from the index's numbers, most important first, each with its figures",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, query: z.strictObject({ fields: fieldsParam }) },
  responses: {
    200: jsonContent(InsightList, "The insights"),
    ...errorResponses,
    409: problemResponse("The index has no ready version yet (still building, or its first build failed)"),
  },
});

const report = createRoute({
  method: "get",
  path: "/v1/indexes/{id}/report",
  "x-rate-limit-cost": 10,
  tags: ["indexes"],
  summary:
    "A printable one-page HTML report: level against benchmark, drawdown, weights, risk contributions (inline SVG), metrics, insights, methodology",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, query: z.strictObject({}) },
  responses: {
    200: { description: "The report", content: { "text/html": { schema: z.string() } } },
    ...errorResponses,
    409: problemResponse("The index has no ready version yet (still building, or its first build failed)"),
  },
});

export function registerIndexInsightRoutes(app: App) {
  app.openapi(insights, async (c) => {
    const { id } = c.req.valid("param");
    const { value, hit } = await ownedIndexInsights(c.env, c.get("config"), principalOf(c).userId, id);
    c.set("cache", hit ? "hit" : "miss");
    return c.json(value, 200);
  });

  app.openapi(report, async (c) => {
    const { id } = c.req.valid("param");
    const html = await ownedIndexReport(c.env, c.get("config"), principalOf(c).userId, id);
    return c.html(html, 200);
  });
}
