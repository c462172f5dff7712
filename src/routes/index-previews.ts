// Previews of index weights: a definition on a date, and an index's next rebalance; both store nothing.
import { createRoute } from "@hono/zod-openapi";
import { principalOf, requireScope } from "../http/auth";
import type { App } from "../http/context";
import { IndexPreview, IndexPreviewBody, RebalancePreview, RebalancePreviewBody } from "../schemas/index-previews";
import { IndexIdPath } from "../schemas/indexes";
import { bodyErrorResponses, jsonBody, jsonContent, security } from "../schemas/route-parts";
import { previewDefinition, previewRebalance } from "../services/index-previews";

const tags = ["indexes"];

const preview = createRoute({
  method: "post",
  path: "/v1/indexes/preview",
  // Weights computed now through the build path (optimizers over the lookback window): priced like other uncached index work.
  "x-rate-limit-cost": 5,
  tags,
  summary: "The weights a definition (the POST /v1/indexes body plus date) sets on a session; stores nothing",
  security,
  middleware: [requireScope("read")] as const,
  request: jsonBody(IndexPreviewBody),
  responses: { 200: jsonContent(IndexPreview, "The weights before and after caps"), ...bodyErrorResponses },
});

const rebalancePreview = createRoute({
  method: "post",
  path: "/v1/indexes/{id}/rebalance-preview",
  // Weights computed now through the build path (optimizers over the lookback window): priced like other uncached index work.
  "x-rate-limit-cost": 5,
  tags,
  summary: "The weights the next rebalance would set on today's data, the trade from the weights in force and its fee",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, ...jsonBody(RebalancePreviewBody) },
  responses: { 200: jsonContent(RebalancePreview, "The rebalance, its turnover and cost"), ...bodyErrorResponses },
});

export function registerIndexPreviewRoutes(app: App) {
  app.openapi(preview, async (c) => {
    const { date, name: _, ...body } = c.req.valid("json");
    return c.json(await previewDefinition(c.env, { name: "preview", ...body }, date), 200);
  });

  app.openapi(rebalancePreview, async (c) => {
    const { date, fee_bps } = c.req.valid("json");
    const answer = await previewRebalance(c.env, principalOf(c).userId, c.req.valid("param").id, {
      date,
      feeBps: fee_bps,
    });
    return c.json(answer, 200);
  });
}
