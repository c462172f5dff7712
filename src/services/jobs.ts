// Job lifecycle: a job is recorded `queued` in D1 before its message is sent; the row's later transitions and
// the admin's reads of it.

import { newId } from "../db/ids";
import { insertJob, type JobKind, type JobRow } from "../db/jobs";
import type { JobMessage } from "../schemas/messages";

export {
  FINAL_STATUSES,
  findJob,
  finishJob,
  type JobKind,
  type JobRow,
  listJobs,
  markDead,
  markRunning,
  requeueJob,
} from "../db/jobs";

/** What a job handler reports; the queue consumer writes it to the job row. */
export interface JobOutcome {
  status: "succeeded" | "failed";
  error?: string | null;
  stats?: unknown;
}

type WithoutJobId<T> = T extends unknown ? Omit<T, "job_id"> : never;

/** Records the job, then enqueues it; returns the job id. */
export async function enqueueJob(
  env: Env,
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
  await insertJob(env.DB, id, kind, full);
  await env.JOBS.send(full, {
    contentType: "json",
    ...(opts.delaySeconds ? { delaySeconds: Math.min(43_200, Math.round(opts.delaySeconds)) } : {}),
  });
  return id;
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
