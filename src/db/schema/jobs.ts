// Background jobs (refresh, backfill, build, simulation) and their outcome.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { audit } from "./columns";

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["refresh", "build", "simulation", "backfill"] }).notNull(),
    status: text("status", { enum: ["queued", "running", "succeeded", "failed", "dead"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    payload: text("payload", { mode: "json" }).notNull(),
    error: text("error"),
    stats: text("stats", { mode: "json" }),
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
    ...audit,
  },
  (t) => [
    index("jobs_status_kind_idx").on(t.status, t.kind),
    // GET /v1/admin/jobs pages newest first by (created_at, id).
    index("jobs_created_idx").on(t.createdAt, t.id),
  ],
);
