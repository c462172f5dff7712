// The queue entry: routes each batch by queue name, validates every job message and runs its registered handler.
import { getConfig } from "../config";
import { getDb } from "../db/client";
import { FINAL_STATUSES, findJob, finishJob, requeueJob } from "../services/jobs";
import { consumeDeadLetters } from "./dead-letter";
import {
  type JobHandler,
  type JobKindName,
  jobHandler,
  PermanentJobError,
  RetryableJobError,
  registerJobHandler,
} from "./handlers";
import { JobMessage } from "./messages";
import { handleRefresh } from "./refresh-job";

/** Queue names as wrangler.toml declares them. */
export const QUEUES = { jobs: "edgeindex-jobs", webhooks: "edgeindex-webhooks", deadLetter: "edgeindex-dlq" } as const;

registerJobHandler("refresh", handleRefresh);

export type BatchConsumer = (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => Promise<void>;
const otherQueues = new Map<string, BatchConsumer>();

/** The webhook deliverer plugs its consumer in here (by queue name), as job handlers do by kind. */
export function registerQueueConsumer(queue: string, consumer: BatchConsumer): void {
  otherQueues.set(queue, consumer);
}

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
  const consumer = otherQueues.get(batch.queue);
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
  const db = getDb(env);
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
      const handler = (override === undefined ? jobHandler(message.kind) : override) as
        | JobHandler<typeof message.kind>
        | null
        | undefined;
      if (!handler) throw new PermanentJobError(`no handler is registered for '${message.kind}' jobs`);
      await handler(env, message as never, { attempt: msg.attempts });
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
