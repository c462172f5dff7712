// Reads of an index's ready version: values, allocations, rebalances, risk metrics, benchmark comparison.
// Every answer is cached in KV under `index:<id>` with the version in the key; a build bumps the namespace.
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError } from "../errors";
import { principalOf, requireScope } from "../http/auth";
import type { App, AppEnv } from "../http/context";
import { cursorScope, readCursor, toPage } from "../http/pagination";
import { versionedJson } from "../http/versioned-answer";
import { BenchmarkComparison, BenchmarkQuery, Metrics, MetricsQuery } from "../schemas/index-metrics";
import {
  Allocation,
  AllocationsQuery,
  IndexIdPath,
  IndexValueList,
  RebalanceList,
  RebalancesQuery,
  ValuesQuery,
} from "../schemas/indexes";
import { errorResponses, jsonContent, problemResponse, security } from "../schemas/route-parts";
import type { Cached } from "../services/cache";
import {
  allocationOn,
  benchmarkAnswer,
  type IndexRow,
  metricsAnswer,
  ownedIndexNow,
  rebalancePage,
  valuesPage,
} from "../services/index-reads";
import { versionToRead } from "../services/index-versions";

const tags = ["indexes"];
const readErrors = {
  ...errorResponses,
  409: problemResponse("The index has no ready version yet (still building, or its first build failed)"),
};
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const values = createRoute({
  method: "get",
  path: "/v1/indexes/{id}/values",
  "x-rate-limit-cost": 1,
  tags,
  summary: "Daily levels of the ready version",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, query: ValuesQuery },
  responses: { 200: jsonContent(IndexValueList, "A page of levels"), ...readErrors },
});

const allocations = createRoute({
  method: "get",
  path: "/v1/indexes/{id}/allocations",
  "x-rate-limit-cost": 1,
  tags,
  summary: "Weights in force on a date (default: the latest), with the rebalance they come from",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, query: AllocationsQuery },
  responses: {
    200: jsonContent(Allocation, "The allocation"),
    ...readErrors,
    422: problemResponse("The date is before the first rebalance"),
  },
});

const rebalances = createRoute({
  method: "get",
  path: "/v1/indexes/{id}/rebalances",
  "x-rate-limit-cost": 1,
  tags,
  summary: "Each rebalance: weights before and after capping, and turnover",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, query: RebalancesQuery },
  responses: { 200: jsonContent(RebalanceList, "A page of rebalances"), ...readErrors },
});

const metrics = createRoute({
  method: "get",
  path: "/v1/indexes/{id}/metrics",
  "x-rate-limit-cost": 5,
  tags,
  summary: "Risk and return metrics over a window, relative ones against the index's benchmark",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, query: MetricsQuery },
  responses: { 200: jsonContent(Metrics, "The metrics"), ...readErrors },
});

const benchmark = createRoute({
  method: "get",
  path: "/v1/indexes/{id}/benchmark",
  "x-rate-limit-cost": 5,
  tags,
  summary:
    "The index and a benchmark rebased to 100 on the same start; fallbacks are tried when the symbol has no data",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, query: BenchmarkQuery },
  responses: {
    200: jsonContent(BenchmarkComparison, "The comparison"),
    ...readErrors,
    422: problemResponse("No benchmark candidate has data"),
  },
});

/**
 * The caller's index and the version to answer from: `?version=` when given and built, else the ready one
 * (404 for anyone else's index or an unknown version, 409 before the first build or for an unbuilt version).
 * The row is cached under the index's version; `sourceKey` names it and the version read (the ETag source).
 */
async function ready(
  c: Context<AppEnv>,
  id: string,
  asked?: number,
): Promise<{ row: IndexRow; version: number; sourceKey: string | null }> {
  const { row, sourceKey } = await ownedIndexNow(c.env, c.get("config"), principalOf(c).userId, id);
  const version = await versionToRead(c.env.DB, row, asked);
  return { row, version, sourceKey: sourceKey === null ? null : `${sourceKey}:v${version}` };
}

function answered<T>(c: Context<AppEnv>, { value, hit }: Cached<T>): T {
  c.set("cache", hit ? "hit" : "miss");
  return value;
}

export function registerIndexDataRoutes(app: App) {
  app.openapi(values, async (c) => {
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    const { row, version, sourceKey } = await ready(c, id, q.version);
    const scope = cursorScope(c, { id, ...q });
    const after = await readCursor<{ d: string }>(c, scope, q.cursor);
    if (after !== undefined && (typeof after.d !== "string" || !DATE.test(after.d)))
      throw new ApiError("invalid_cursor", "The cursor is malformed");
    const query = { start: q.start, end: q.end, after: after?.d, limit: q.limit };
    // The namespace version names the row (so the ready version) and every stored page: it is the ETag's source.
    return versionedJson(c, sourceKey, async () => {
      const rows = answered(c, await valuesPage(c.env, c.get("config"), row, version, query));
      const page = await toPage(c, scope, rows, q.limit, (last) => ({ d: last.date }));
      return { data: page.items, next_cursor: page.next_cursor };
    });
  });

  app.openapi(allocations, async (c) => {
    const { id } = c.req.valid("param");
    const { date, version: asked } = c.req.valid("query");
    const { row, version } = await ready(c, id, asked);
    const rows = answered(c, await allocationOn(c.env, c.get("config"), row, version, date));
    const first = rows[0];
    if (!first)
      throw ApiError.validation(
        `No allocation is in force on ${date}: it is before the index's first rebalance`,
        [{ path: "date", message: "before the first rebalance" }],
        422,
      );
    return c.json(
      {
        date: date ?? first.rebalance_date,
        rebalance_date: first.rebalance_date,
        version,
        weights: rows.map((r) => ({ symbol: r.symbol, weight: r.weight, shares: r.shares })),
      },
      200,
    );
  });

  app.openapi(rebalances, async (c) => {
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    const { row, version } = await ready(c, id, q.version);
    const scope = cursorScope(c, { id, version });
    const after = await readCursor<{ d: string }>(c, scope, q.cursor);
    if (after !== undefined && (typeof after.d !== "string" || !DATE.test(after.d)))
      throw new ApiError("invalid_cursor", "The cursor is malformed");
    const rows = answered(c, await rebalancePage(c.env, c.get("config"), row, version, after?.d, q.limit));
    const page = await toPage(c, scope, rows, q.limit, (last) => ({ d: last.date }));
    return c.json({ data: page.items, next_cursor: page.next_cursor }, 200);
  });

  app.openapi(metrics, async (c) => {
    const { id } = c.req.valid("param");
    const { window, version: asked } = c.req.valid("query");
    const { row, version } = await ready(c, id, asked);
    const result = answered(c, await metricsAnswer(c.env, c.get("config"), row, version, window));
    return c.json(result, 200);
  });

  app.openapi(benchmark, async (c) => {
    const { id } = c.req.valid("param");
    const { symbol } = c.req.valid("query");
    const { row, version } = await ready(c, id);
    const result = answered(c, await benchmarkAnswer(c.env, c.get("config"), row, version, symbol));
    return c.json(result, 200);
  });
}
