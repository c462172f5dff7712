// Job rows: recorded `queued` before their message is sent, then running → succeeded | failed | dead; admin lists.
import { and, desc, eq, notInArray, type SQL, sql } from "drizzle-orm";
import { orm } from "./client";
import { type NewestFirst, olderThan } from "./keyset";
import { jobs } from "./schema";

export type JobKind = (typeof jobs.$inferSelect)["kind"];
export type JobRow = typeof jobs.$inferSelect;

export const FINAL_STATUSES = ["succeeded", "failed", "dead"] as const;

export async function insertJob(db: D1Database, id: string, kind: JobKind, payload: unknown): Promise<void> {
  await orm(db).insert(jobs).values({ id, kind, status: "queued", payload });
}

export async function markRunning(db: D1Database, id: string): Promise<void> {
  await orm(db)
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
  db: D1Database,
  id: string,
  outcome: { status: "succeeded" | "failed" | "dead"; error?: string | null; stats?: unknown },
): Promise<void> {
  const now = new Date().toISOString();
  await orm(db)
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

export function findJob(db: D1Database, id: string): Promise<JobRow | undefined> {
  return orm(db).select().from(jobs).where(eq(jobs.id, id)).get();
}

/** A retryable failure: back to `queued` with the reason (and partial stats), unless the job already ended. */
export async function requeueJob(db: D1Database, id: string, error: string, stats?: unknown): Promise<void> {
  await orm(db)
    .update(jobs)
    .set({ status: "queued", error, ...(stats !== undefined && { stats }), updatedAt: new Date().toISOString() })
    .where(and(eq(jobs.id, id), notInArray(jobs.status, [...FINAL_STATUSES])));
}

/** The queue gave up on the job: `dead`, unless a redelivery finished it meanwhile. Returns whether it changed. */
export async function markDead(db: D1Database, id: string, error: string): Promise<boolean> {
  const now = new Date().toISOString();
  const row = await orm(db)
    .update(jobs)
    .set({ status: "dead", error, finishedAt: now, updatedAt: now })
    .where(and(eq(jobs.id, id), notInArray(jobs.status, ["succeeded", "failed", "dead"])))
    .returning({ id: jobs.id })
    .get();
  return row !== undefined;
}

export interface JobFilter {
  status?: JobRow["status"];
  kind?: JobKind;
  /** The last row of the previous page. */
  after?: NewestFirst;
  limit: number;
}

/** Admin job list: newest first, keyset-paged on (created_at, id); limit + 1 rows. */
export function listJobs(db: D1Database, f: JobFilter) {
  const conditions: Array<SQL | undefined> = [
    f.status ? eq(jobs.status, f.status) : undefined,
    f.kind ? eq(jobs.kind, f.kind) : undefined,
    olderThan(jobs.createdAt, jobs.id, f.after),
  ];
  return orm(db)
    .select()
    .from(jobs)
    .where(and(...conditions))
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(f.limit + 1)
    .all();
}
