// An index's versions: the list (reason, methodology hash, data instant) and the difference of two.
import { createRoute } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { principalOf, requireScope } from "../http/auth";
import type { App } from "../http/context";
import { cursorScope, readCursor, toPage } from "../http/pagination";
import { DiffQuery, IndexDiff, IndexVersionList, VersionsQuery } from "../schemas/index-versions";
import { IndexIdPath } from "../schemas/indexes";
import { errorResponses, jsonContent, problemResponse, security } from "../schemas/route-parts";
import { diffVersions, indexVersions, ownedIndex } from "../services/index-versions";

const tags = ["indexes"];

const versions = createRoute({
  method: "get",
  path: "/v1/indexes/{id}/versions",
  "x-rate-limit-cost": 1,
  tags,
  summary: "Every build of the index, newest first: reason, status, methodology hash, data_as_of",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, query: VersionsQuery },
  responses: { 200: jsonContent(IndexVersionList, "A page of versions"), ...errorResponses },
});

const diff = createRoute({
  method: "get",
  path: "/v1/indexes/{id}/diff",
  // Reads two versions' values and allocations in full: priced like the other whole-history index reads.
  "x-rate-limit-cost": 5,
  tags,
  summary: "Constituents added and removed, weight changes per rebalance date and the level difference of two versions",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, query: DiffQuery },
  responses: {
    200: jsonContent(IndexDiff, "The difference"),
    ...errorResponses,
    409: problemResponse("A version is not built (building, failed or superseded)"),
  },
});

export function registerIndexVersionRoutes(app: App) {
  app.openapi(versions, async (c) => {
    const { id } = c.req.valid("param");
    const q = c.req.valid("query");
    const row = await ownedIndex(c.env, principalOf(c).userId, id);
    const scope = cursorScope(c, { id });
    const after = await readCursor<{ v: number }>(c, scope, q.cursor);
    if (after !== undefined && !(Number.isInteger(after.v) && after.v > 0))
      throw new ApiError("invalid_cursor", "The cursor is malformed");
    const rows = await indexVersions(c.env.DB, row, after?.v, q.limit);
    const page = await toPage(c, scope, rows, q.limit, (last) => ({ v: last.version }));
    return c.json({ data: page.items, next_cursor: page.next_cursor }, 200);
  });

  app.openapi(diff, async (c) => {
    const { id } = c.req.valid("param");
    const { from, to } = c.req.valid("query");
    const row = await ownedIndex(c.env, principalOf(c).userId, id);
    return c.json(await diffVersions(c.env.DB, row, from, to), 200);
  });
}
