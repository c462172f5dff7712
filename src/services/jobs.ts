// Job rows and their queue messages: a job is recorded `queued` in D1 before its message is sent.
import { and, eq, notInArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { newId } from "../db/ids";
import { jobs } from "../db/schema";
import type { JobMessage } from "../jobs/messages";

export type JobKind = (typeof jobs.$inferSelect)["kind"];
export type JobRow = typeof jobs.$inferSelect;

type WithoutJobId<T> = T extends unknown ? Omit<T, "job_id"> : never;

/** Records the job, then enqueues it; returns the job id. */
export async function enqueueJob(
  env: Env,
  db: Db,
  message: WithoutJobId<JobMessage>,
  jobKind?: JobKind,
  opts: { delaySeconds?: number } = {},
): Promise<string> {
  const id = newId("job");
  const kind: JobKind =
    jobKind ??
    (message.kind === "refresh"
      ? message.mode === "backfill"
        ? "backfill"
        : "refresh"
      : message.kind === "simulation"
        ? "simulation"
        : "build");
  const full = { ...message, job_id: id } as JobMessage;
  await db.insert(jobs).values({ id, kind, status: "queued", payload: full });
  await env.JOBS.send(full, {
    contentType: "json",
    ...(opts.delaySeconds ? { delaySeconds: Math.min(43_200, Math.round(opts.delaySeconds)) } : {}),
  });
  return id;
}

export async function markRunning(db: Db, id: string): Promise<void> {
  await db
    .update(jobs)
    .set({
      status: "running",
      attempts: sql`${jobs.attempts} + 1`,
      startedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    })
    .where(eq(jobs.id, id));
}

export async function finishJob(
  db: Db,
  id: string,
  outcome: { status: "succeeded" | "failed" | "dead"; error?: string | null; stats?: unknown },
): Promise<void> {
  const now = new Date().toISOString();
  await db
    .update(jobs)
    .set({
      status: outcome.status,
      error: outcome.error ?? null,
      stats: outcome.stats ?? null,
      finishedAt: now,
      updatedAt: now,
    })
    .where(eq(jobs.id, id));
}

export const FINAL_STATUSES = ["succeeded", "failed", "dead"] as const;

export async function findJob(db: Db, id: string): Promise<JobRow | undefined> {
  return db.select().from(jobs).where(eq(jobs.id, id)).get();
}

/** A retryable failure: back to `queued` with the reason (and partial stats), unless the job already ended. */
export async function requeueJob(db: Db, id: string, error: string, stats?: unknown): Promise<void> {
  await db
    .update(jobs)
    .set({ status: "queued", error, ...(stats !== undefined && { stats }), updatedAt: new Date().toISOString() })
    .where(and(eq(jobs.id, id), notInArray(jobs.status, [...FINAL_STATUSES])));
}

/** The queue gave up on the job: `dead`, unless a redelivery finished it meanwhile. Returns whether it changed. */
export async function markDead(db: Db, id: string, error: string): Promise<boolean> {
  const now = new Date().toISOString();
  const row = await db
    .update(jobs)
    .set({ status: "dead", error, finishedAt: now, updatedAt: now })
    .where(and(eq(jobs.id, id), notInArray(jobs.status, ["succeeded", "failed", "dead"])))
    .returning({ id: jobs.id })
    .get();
  return row !== undefined;
}

export const publicJob = (j: JobRow) => ({
  id: j.id,
  kind: j.kind,
  status: j.status,
  attempts: j.attempts,
  error: j.error,
  stats: (j.stats as Record<string, unknown> | null) ?? { rows_inserted: 0, rows_revised: 0, symbols_failed: [] },
  created_at: j.createdAt,
  started_at: j.startedAt,
  finished_at: j.finishedAt,
});
