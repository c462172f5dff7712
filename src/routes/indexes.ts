// Custom indexes: create (queues a build), list, read, change (a new version), soft delete, rebuild.

import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { principalOf, requireScope } from "../http/auth";
import type { App } from "../http/context";
import { cursorScope, readNewestFirst, toPage } from "../http/pagination";
import { RebuildQuery } from "../schemas/index-versions";
import {
  IndexDefinitionBody,
  IndexIdPath,
  IndexList,
  IndexListQuery,
  IndexResource,
  PatchIndexBody,
  RebuildAccepted,
} from "../schemas/indexes";
import {
  bodyErrorResponses,
  errorResponses,
  fieldsParam,
  jsonBody,
  jsonContent,
  security,
} from "../schemas/route-parts";
import { audit } from "../services/audit";
import {
  changeIndex,
  createIndex,
  deleteIndex,
  requestVersion,
  validateDefinition,
} from "../services/index-definitions";
import { listOwnedIndexes, loadOwnedIndex, publicIndex } from "../services/index-reads";

const tags = ["indexes"];
type IndexView = z.infer<typeof IndexResource>;

const create = createRoute({
  method: "post",
  path: "/v1/indexes",
  "x-rate-limit-cost": 10,
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
  "x-rate-limit-cost": 1,
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
  "x-rate-limit-cost": 1,
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
  "x-rate-limit-cost": 10,
  tags,
  summary: "Change the name or definition: a new version is built (202); reads keep the ready one meanwhile",
  security,
  middleware: [requireScope("trade")] as const,
  request: { params: IndexIdPath, ...jsonBody(PatchIndexBody) },
  responses: {
    202: jsonContent(IndexResource, "Accepted; a new version is being built"),
    ...bodyErrorResponses,
  },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/indexes/{id}",
  "x-rate-limit-cost": 2,
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
  "x-rate-limit-cost": 10,
  tags,
  summary: "Build a new version from current market data (or as it was known at ?data_as_of=)",
  security,
  middleware: [requireScope("trade")] as const,
  request: { params: IndexIdPath, query: RebuildQuery },
  responses: { 202: jsonContent(RebuildAccepted, "Accepted; the build is queued"), ...errorResponses },
});

export function registerIndexRoutes(app: App) {
  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    const definition = await validateDefinition(c.env.DB, body);
    const { row, jobId } = await createIndex(c.env, principalOf(c).userId, body.name, definition);
    await audit(c, { action: "index.create", target: row.id, outcome: "success", detail: { job_id: jobId } });
    c.header("Location", `/v1/indexes/${row.id}`);
    return c.json(publicIndex(row) as IndexView, 202);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid("query");
    const scope = cursorScope(c, {});
    const after = await readNewestFirst(c, scope, q.cursor);
    const rows = await listOwnedIndexes(c.env.DB, principalOf(c).userId, q.limit, after);
    const page = await toPage(c, scope, rows, q.limit, (last) => ({ c: last.createdAt, i: last.id }));
    return c.json({ data: page.items.map(publicIndex) as IndexView[], next_cursor: page.next_cursor }, 200);
  });

  app.openapi(read, async (c) => {
    const row = await loadOwnedIndex(c.env.DB, principalOf(c).userId, c.req.valid("param").id);
    return c.json(publicIndex(row) as IndexView, 200);
  });

  app.openapi(patch, async (c) => {
    const { id } = c.req.valid("param");
    const next = await changeIndex(c.env, principalOf(c).userId, id, c.req.valid("json"));
    await audit(c, {
      action: "index.update",
      target: id,
      outcome: "success",
      detail: { version: next.row.version, job_id: next.jobId },
    });
    return c.json(publicIndex(next.row) as IndexView, 202);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    await deleteIndex(c.env, principalOf(c).userId, id);
    await audit(c, { action: "index.delete", target: id, outcome: "success" });
    return c.body(null, 204);
  });

  app.openapi(rebuild, async (c) => {
    const { id } = c.req.valid("param");
    const { data_as_of } = c.req.valid("query");
    const next = await requestVersion(
      c.env,
      id,
      principalOf(c).userId,
      {},
      { reason: "rebuild", dataAsOf: data_as_of ? new Date(data_as_of).toISOString() : undefined },
    );
    if (!next) throw ApiError.notFound(`Index ${id}`);
    await audit(c, {
      action: "index.rebuild",
      target: id,
      outcome: "success",
      detail: { version: next.row.version, job_id: next.jobId },
    });
    return c.json({ id, status: "building" as const, version: next.row.version, job_id: next.jobId }, 202);
  });
}
