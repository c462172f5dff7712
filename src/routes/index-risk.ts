// An index's risk reads: rolling metrics, the risk model on today's weights, and stress tests.
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { principalOf, requireScope } from "../http/auth";
import type { App, AppEnv } from "../http/context";
import { IndexIdPath } from "../schemas/indexes";
import { IndexRisk, RiskQuery, RollingQuery, RollingSeries, StressBody, StressResult } from "../schemas/risk";
import {
  bodyErrorResponses,
  errorResponses,
  jsonBody,
  jsonContent,
  problemResponse,
  security,
} from "../schemas/route-parts";
import type { IndexRow } from "../services/index-reads";
import { cachedIndexAnswer, indexRisk, indexRolling, indexStress } from "../services/index-risk";

const tags = ["indexes"];
const readErrors = {
  ...errorResponses,
  409: problemResponse("The index has no ready version yet, or too little history to model"),
  422: problemResponse("The request cannot be computed for this index (e.g. beta without a benchmark)"),
};

const rolling = createRoute({
  method: "get",
  path: "/v1/indexes/{id}/metrics/rolling",
  "x-rate-limit-cost": 5,
  tags,
  summary: "A rolling metric (volatility, sharpe, beta, drawdown) over 63, 126 or 252 trailing sessions",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, query: RollingQuery },
  responses: { 200: jsonContent(RollingSeries, "One point per date with a full window"), ...readErrors },
});

const risk = createRoute({
  method: "get",
  path: "/v1/indexes/{id}/risk",
  "x-rate-limit-cost": 10,
  tags,
  summary: "Risk on today's weights: volatility forecasts, risk contributions, factor view, r² and specific risk",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, query: RiskQuery },
  responses: { 200: jsonContent(IndexRisk, "The risk model"), ...readErrors },
});

const stress = createRoute({
  method: "post",
  path: "/v1/indexes/{id}/stress",
  "x-rate-limit-cost": 5,
  tags,
  summary:
    "Estimated index return under hypothetical shocks, or the worst historical windows replayed on today's weights",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, ...jsonBody(StressBody) },
  responses: { 200: jsonContent(StressResult, "One result per scenario"), ...bodyErrorResponses, 409: readErrors[409] },
});

async function cached<T>(
  c: Context<AppEnv>,
  id: string,
  key: string,
  load: (row: IndexRow, version: number) => Promise<T>,
) {
  const { value, hit } = await cachedIndexAnswer(c.env, c.get("config"), principalOf(c).userId, id, key, load);
  c.set("cache", hit ? "hit" : "miss");
  return value;
}

export function registerIndexRiskRoutes(app: App) {
  app.openapi(rolling, async (c) => {
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    const window = Number(q.window);
    const result = await cached(c, id, `rolling:${q.metric}:${window}`, (row, version) =>
      indexRolling(c.env.DB, c.get("config"), row, version, q.metric, window),
    );
    return c.json(result, 200);
  });

  app.openapi(risk, async (c) => {
    const { id } = c.req.valid("param");
    const result = await cached(c, id, "risk", (row, version) => indexRisk(c.env.DB, c.get("config"), row, version));
    return c.json(result, 200);
  });

  app.openapi(stress, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const result = await cached(c, id, `stress:${JSON.stringify(body.scenarios ?? null)}`, (row, version) =>
      indexStress(c.env.DB, c.get("config"), row, version, body.scenarios),
    );
    return c.json(result as never, 200);
  });
}
