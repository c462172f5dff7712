// Admin jobs: start a price refresh now, list jobs, read one job's status, attempts, error and stats.
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { requireAdmin } from "../http/auth";
import type { App } from "../http/context";
import { idempotent } from "../http/idempotency";
import { cursorScope, readNewestFirst, toPage } from "../http/pagination";
import { Job, JobAccepted, JobList, JobListQuery, RefreshBody } from "../schemas/jobs";
import {
  bodyErrorResponses,
  errorResponses,
  idempotencyKeyHeader,
  jsonBody,
  jsonContent,
  security,
} from "../schemas/route-parts";
import { unknownSymbols } from "../services/assets";
import { audit } from "../services/audit";
import { enqueueJob, findJob, type JobRow, listJobs, publicJob } from "../services/jobs";

const refresh = createRoute({
  method: "post",
  path: "/v1/admin/refresh",
  "x-rate-limit-cost": 10,
  tags: ["admin"],
  summary: "Fetch and store prices now (every active asset by default); accepts Idempotency-Key",
  security,
  middleware: [requireAdmin(), idempotent()] as const,
  request: {
    headers: idempotencyKeyHeader,
    ...jsonBody(RefreshBody),
  },
  responses: { 202: jsonContent(JobAccepted, "The refresh job was queued"), ...bodyErrorResponses },
});

const list = createRoute({
  method: "get",
  path: "/v1/admin/jobs",
  "x-rate-limit-cost": 1,
  tags: ["admin"],
  summary: "Refresh and build jobs, newest first",
  security,
  middleware: [requireAdmin()] as const,
  request: { query: JobListQuery },
  responses: { 200: jsonContent(JobList, "A page of jobs"), ...errorResponses },
});

const read = createRoute({
  method: "get",
  path: "/v1/admin/jobs/{id}",
  "x-rate-limit-cost": 1,
  tags: ["admin"],
  summary: "One job: status, attempts, error and stats",
  security,
  middleware: [requireAdmin()] as const,
  request: { params: z.object({ id: z.string().max(64).openapi({ example: "job_3Fh2kP9xQmT7vR1sW4yZaB" }) }) },
  responses: { 200: jsonContent(Job, "The job"), ...errorResponses },
});

/** Every job answers the contract's stats fields, whatever its kind recorded. */
function jobView(row: JobRow): z.infer<typeof Job> {
  const job = publicJob(row);
  const stats = (row.stats ?? {}) as Record<string, unknown>;
  return {
    ...job,
    stats: {
      ...stats,
      rows_inserted: typeof stats.rows_inserted === "number" ? stats.rows_inserted : 0,
      rows_revised: typeof stats.rows_revised === "number" ? stats.rows_revised : 0,
      symbols_failed: Array.isArray(stats.symbols_failed) ? (stats.symbols_failed as string[]) : [],
    },
  };
}

export function registerAdminJobRoutes(app: App) {
  app.openapi(refresh, async (c) => {
    const body = c.req.valid("json");
    if (body.symbols) {
      const unknown = await unknownSymbols(c.env.DB, body.symbols);
      if (unknown.length) {
        throw ApiError.validation(
          `Unknown symbol(s): ${unknown.join(", ")}`,
          unknown.map((s) => ({ path: `symbols.${body.symbols!.indexOf(s)}`, message: `no active asset ${s}` })),
          422,
        );
      }
    }
    const jobId = await enqueueJob(c.env, {
      kind: "refresh",
      mode: "daily",
      ...(body.symbols && { symbols: [...new Set(body.symbols)] }),
      ...(body.start && { start: body.start }),
      ...(body.end && { end: body.end }),
    });
    await audit(c, { action: "admin.refresh", target: jobId, outcome: "success", detail: { ...body } });
    return c.json({ job_id: jobId }, 202);
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid("query");
    const scope = cursorScope(c, { ...q });
    const after = await readNewestFirst(c, scope, q.cursor);
    const rows = await listJobs(c.env.DB, {
      status: q.status,
      kind: q.kind,
      after,
      limit: q.limit,
    });
    const page = await toPage(c, scope, rows, q.limit, (last) => ({ c: last.createdAt, i: last.id }));
    c.header("Cache-Control", "no-store");
    return c.json({ data: page.items.map(jobView), next_cursor: page.next_cursor }, 200);
  });

  app.openapi(read, async (c) => {
    const { id } = c.req.valid("param");
    const row = await findJob(c.env.DB, id);
    if (!row) throw ApiError.notFound(`Job ${id}`);
    c.header("Cache-Control", "no-store");
    return c.json(jobView(row), 200);
  });
}
