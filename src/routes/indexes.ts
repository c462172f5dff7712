// Custom indexes: create (queues a build), list, read, change (a new version), soft delete, rebuild.
import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import { getDb } from "../db/client";
import { nowIso } from "../db/ids";
import { indexes } from "../db/schema";
import { principalOf, requireScope } from "../http/auth";
import type { App } from "../http/context";
import { ApiError } from "../http/errors";
import { cursorScope, readCursor, toPage } from "../http/pagination";
import { zodFieldErrors } from "../http/problem";
import { bodyErrorResponses, errorResponses, fieldsParam, jsonBody, jsonContent, security } from "../schemas/common";
import {
  IndexDefinitionBody,
  IndexIdPath,
  IndexList,
  IndexListQuery,
  IndexResource,
  PatchIndexBody,
  RebuildAccepted,
  type StoredDefinition,
} from "../schemas/indexes";
import { bumpVersion } from "../services/cache";
import { createIndex, requestVersion, validateDefinition } from "../services/index-builder";
import { loadOwnedIndex, publicIndex } from "../services/index-reads";

const tags = ["indexes"];
type IndexView = z.infer<typeof IndexResource>;

const create = createRoute({
  method: "post",
  path: "/v1/indexes",
  tags,
  summary: "Create a custom index; it is built in the background (status building → ready | failed)",
  security,
  middleware: [requireScope("trade")] as const,
  request: jsonBody(IndexDefinitionBody),
  responses: { 202: jsonContent(IndexResource, "Accepted; the build is queued"), ...bodyErrorResponses },
});

const list = createRoute({
  method: "get",
  path: "/v1/indexes",
  tags,
  summary: "The caller's indexes, newest first",
  security,
  middleware: [requireScope("read")] as const,
  request: { query: IndexListQuery },
  responses: { 200: jsonContent(IndexList, "A page of indexes"), ...errorResponses },
});

const read = createRoute({
  method: "get",
  path: "/v1/indexes/{id}",
  tags,
  summary: "One index with its build status",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: IndexIdPath, query: z.strictObject({ fields: fieldsParam }) },
  responses: { 200: jsonContent(IndexResource, "The index"), ...errorResponses },
});

const patch = createRoute({
  method: "patch",
  path: "/v1/indexes/{id}",
  tags,
  summary: "Rename (200) or change the definition (202: a new version is built; reads keep the ready one meanwhile)",
  security,
  middleware: [requireScope("trade")] as const,
  request: { params: IndexIdPath, ...jsonBody(PatchIndexBody) },
  responses: {
    200: jsonContent(IndexResource, "Renamed"),
    202: jsonContent(IndexResource, "Accepted; a new version is being built"),
    ...bodyErrorResponses,
  },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/indexes/{id}",
  tags,
  summary: "Soft-delete an index (its stored versions stay)",
  security,
  middleware: [requireScope("trade")] as const,
  request: { params: IndexIdPath },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

const rebuild = createRoute({
  method: "post",
  path: "/v1/indexes/{id}/rebuild",
  tags,
  summary: "Build a new version from current market data",
  security,
  middleware: [requireScope("trade")] as const,
  request: { params: IndexIdPath },
  responses: { 202: jsonContent(RebuildAccepted, "Accepted; the build is queued"), ...errorResponses },
});

const DEFINITION_KEYS = [
  "constituents",
  "weighting",
  "weights",
  "max_weight",
  "min_weight",
  "rebalance",
  "base_date",
  "base_value",
  "benchmark",
] as const;

export function registerIndexRoutes(app: App) {
  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    const owner = principalOf(c).userId;
    const definition = await validateDefinition(c.env.DB, body);
    const { row } = await createIndex(c.env, owner, body.name, definition);
    c.header("Location", `/v1/indexes/${row.id}`);
    return c.json(publicIndex(row) as IndexView, 202);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid("query");
    const owner = principalOf(c).userId;
    const scope = cursorScope(c, {});
    const after = await readCursor<{ c: string; i: string }>(c, scope, q.cursor);
    if (after !== undefined && (typeof after.c !== "string" || typeof after.i !== "string")) {
      throw new ApiError("invalid_cursor", "The cursor is malformed");
    }
    const rows = await getDb(c.env)
      .select()
      .from(indexes)
      .where(
        and(
          eq(indexes.ownerId, owner),
          isNull(indexes.deletedAt),
          after
            ? or(lt(indexes.createdAt, after.c), and(eq(indexes.createdAt, after.c), lt(indexes.id, after.i)))
            : undefined,
        ),
      )
      .orderBy(desc(indexes.createdAt), desc(indexes.id))
      .limit(q.limit + 1)
      .all();
    const page = await toPage(c, scope, rows, q.limit, (last) => ({ c: last.createdAt, i: last.id }));
    return c.json({ data: page.items.map(publicIndex) as IndexView[], next_cursor: page.next_cursor }, 200);
  });

  app.openapi(read, async (c) => {
    const row = await loadOwnedIndex(getDb(c.env), principalOf(c).userId, c.req.valid("param").id);
    return c.json(publicIndex(row) as IndexView, 200);
  });

  app.openapi(patch, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const owner = principalOf(c).userId;
    const db = getDb(c.env);
    const row = await loadOwnedIndex(db, owner, id);
    const touchesDefinition = DEFINITION_KEYS.some((k) => body[k] !== undefined);
    if (!touchesDefinition) {
      const renamed = await db
        .update(indexes)
        .set({ name: body.name, updatedAt: nowIso() })
        .where(and(eq(indexes.id, id), eq(indexes.ownerId, owner), isNull(indexes.deletedAt)))
        .returning()
        .get();
      if (!renamed) throw ApiError.notFound(`Index ${id}`);
      return c.json(publicIndex(renamed) as IndexView, 200);
    }
    // The merged definition is checked as a whole, exactly like a new index (null clears an optional field).
    const merged: Record<string, unknown> = { name: body.name ?? row.name, ...(row.definition as StoredDefinition) };
    for (const k of DEFINITION_KEYS) {
      if (body[k] === null) delete merged[k];
      else if (body[k] !== undefined) merged[k] = body[k];
    }
    if (body.weighting !== undefined && body.weighting !== "custom" && body.weights === undefined)
      delete merged.weights;
    const parsed = IndexDefinitionBody.safeParse(merged);
    if (!parsed.success)
      throw ApiError.validation("The changed definition is invalid", zodFieldErrors(parsed.error), 422);
    const definition = await validateDefinition(c.env.DB, parsed.data);
    const next = await requestVersion(c.env, db, id, owner, { name: parsed.data.name, definition });
    if (!next) throw ApiError.notFound(`Index ${id}`);
    return c.json(publicIndex(next.row) as IndexView, 202);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    const owner = principalOf(c).userId;
    const now = nowIso();
    const deleted = await getDb(c.env)
      .update(indexes)
      .set({ deletedAt: now, updatedAt: now })
      .where(and(eq(indexes.id, id), eq(indexes.ownerId, owner), isNull(indexes.deletedAt)))
      .returning({ id: indexes.id })
      .get();
    if (!deleted) throw ApiError.notFound(`Index ${id}`);
    await bumpVersion(c.env.CACHE, `index:${id}`);
    return c.body(null, 204);
  });

  app.openapi(rebuild, async (c) => {
    const { id } = c.req.valid("param");
    const next = await requestVersion(c.env, getDb(c.env), id, principalOf(c).userId);
    if (!next) throw ApiError.notFound(`Index ${id}`);
    return c.json({ id, status: "building" as const, version: next.row.version, job_id: next.jobId }, 202);
  });
}
