// The queue entry: routes each batch by queue name, validates every job message, runs its handler from the job
// table (registry.ts) and records the job row around it: running before, the outcome after, queued on a retry.
import { getConfig } from "../config";
import { JobMessage } from "../schemas/messages";
import { FINAL_STATUSES, findJob, finishJob, markRunning, requeueJob } from "../services/jobs";
import { consumeDeadLetters } from "./dead-letter";
import { type JobHandler, type JobKindName, PermanentJobError, RetryableJobError } from "./handlers";
import { JOB_HANDLERS, OTHER_QUEUE_CONSUMERS, QUEUES } from "./registry";

export { QUEUES };

export interface ConsumerOverrides {
  /** Test seam: handlers used instead of the registered ones for this call (null: as if none were registered). */
  handlers?: { [K in JobKindName]?: JobHandler<K> | null };
}

const log = (level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown>) =>
  console[level === "info" ? "log" : level](JSON.stringify({ level, msg, ...fields }));

export async function handleQueue(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
  overrides: ConsumerOverrides = {},
) {
  if (batch.queue === QUEUES.jobs) return consumeJobs(batch, env, overrides);
  if (batch.queue === QUEUES.deadLetter) return consumeDeadLetters(batch, env);
  const consumer = OTHER_QUEUE_CONSUMERS[batch.queue];
  if (consumer) return consumer(batch, env, ctx);
  // Nobody consumes this queue yet: keep the messages (retry → dead-letter queue) rather than drop them.
  log("error", "no consumer for queue", { queue: batch.queue, messages: batch.messages.length });
  batch.retryAll();
}

/** Exponential backoff by delivery attempt, never shorter than a vendor's Retry-After; Queues caps delays at 12 h. */
export function retryDelaySeconds(env: Env, attempts: number, retryAfterSeconds?: number): number {
  const cfg = getConfig(env);
  const backoff = Math.min(cfg.JOB_RETRY_MAX_SECONDS, cfg.JOB_RETRY_BASE_SECONDS * 2 ** Math.max(0, attempts - 1));
  return Math.min(43_200, Math.ceil(Math.max(backoff, retryAfterSeconds ?? 0)));
}

/** Messages run one after another: they write the same tables, and D1 serialises writes anyway. */
async function consumeJobs(batch: MessageBatch<unknown>, env: Env, overrides: ConsumerOverrides): Promise<void> {
  const db = env.DB;
  for (const msg of batch.messages) {
    const parsed = JobMessage.safeParse(msg.body);
    if (!parsed.success) {
      // Retrying cannot make a malformed message valid: ack it, and fail its job if it names one.
      const jobId = (msg.body as { job_id?: unknown } | null)?.job_id;
      log("error", "invalid job message", {
        message_id: msg.id,
        job_id: jobId,
        issues: parsed.error.issues.slice(0, 5),
      });
      if (typeof jobId === "string")
        await finishJob(db, jobId, { status: "failed", error: "invalid job message" }).catch(() => {});
      msg.ack();
      continue;
    }
    const message = parsed.data;
    try {
      const job = await findJob(db, message.job_id);
      if (job && (FINAL_STATUSES as readonly string[]).includes(job.status)) {
        // A redelivery of a job that already ended: running it again would only rewrite its stats.
        log("info", "job already finished", { job_id: message.job_id, status: job.status });
        msg.ack();
        continue;
      }
      const override = overrides.handlers?.[message.kind];
      const handler = (override === undefined ? JOB_HANDLERS[message.kind] : override) as
        | JobHandler<typeof message.kind>
        | null
        | undefined;
      if (!handler) throw new PermanentJobError(`no handler is registered for '${message.kind}' jobs`);
      await markRunning(db, message.job_id);
      const outcome = await handler(env, message as never, { attempt: msg.attempts, previousStats: job?.stats });
      await finishJob(db, message.job_id, {
        status: outcome.status,
        error: outcome.error ?? null,
        stats: outcome.stats ?? null,
      });
      msg.ack();
    } catch (err) {
      const error = (err instanceof Error ? err.message : String(err)).slice(0, 500);
      if (err instanceof PermanentJobError) {
        log("error", "job failed", { job_id: message.job_id, kind: message.kind, error });
        await finishJob(db, message.job_id, { status: "failed", error }).catch(() => {});
        msg.ack();
        continue;
      }
      const delaySeconds = retryDelaySeconds(
        env,
        msg.attempts,
        err instanceof RetryableJobError ? err.retryAfterSeconds : undefined,
      );
      log("warn", "job will retry", {
        job_id: message.job_id,
        kind: message.kind,
        attempt: msg.attempts,
        delay_s: delaySeconds,
        error,
      });
      await requeueJob(db, message.job_id, error, err instanceof RetryableJobError ? err.stats : undefined).catch(
        () => {},
      );
      msg.retry({ delaySeconds });
    }
  }
}
