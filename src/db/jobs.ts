// Job list reads for admins: newest first, keyset-paged on (created_at, id).
import { and, desc, eq, type SQL } from "drizzle-orm";
import type { NewestFirst } from "../http/pagination";
import type { Db } from "./client";
import { olderThan } from "./keyset";
import { jobs } from "./schema";

export interface JobFilter {
  status?: (typeof jobs.$inferSelect)["status"];
  kind?: (typeof jobs.$inferSelect)["kind"];
  /** The last row of the previous page. */
  after?: NewestFirst;
  limit: number;
}

export function listJobs(db: Db, f: JobFilter) {
  const conditions: Array<SQL | undefined> = [
    f.status ? eq(jobs.status, f.status) : undefined,
    f.kind ? eq(jobs.kind, f.kind) : undefined,
    olderThan(jobs.createdAt, jobs.id, f.after),
  ];
  return db
    .select()
    .from(jobs)
    .where(and(...conditions))
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(f.limit + 1)
    .all();
}
