// Job list reads for admins: newest first, keyset-paged on (created_at, id).
import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { jobs } from "./schema";

export interface JobFilter {
  status?: (typeof jobs.$inferSelect)["status"];
  kind?: (typeof jobs.$inferSelect)["kind"];
  /** The last row of the previous page. */
  before?: { createdAt: string; id: string };
  limit: number;
}

export function listJobs(db: Db, f: JobFilter) {
  const conditions: Array<SQL | undefined> = [
    f.status ? eq(jobs.status, f.status) : undefined,
    f.kind ? eq(jobs.kind, f.kind) : undefined,
    f.before
      ? or(
          lt(jobs.createdAt, f.before.createdAt),
          and(eq(jobs.createdAt, f.before.createdAt), lt(jobs.id, f.before.id)),
        )
      : undefined,
  ];
  return db
    .select()
    .from(jobs)
    .where(and(...conditions))
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(f.limit + 1)
    .all();
}
