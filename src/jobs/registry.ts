// The job table: which handler runs each job kind, and which consumer each queue has, listed explicitly as the
// routes are in app.ts. Nothing registers itself by being imported.
import { buildJob, rebuildChangedJob } from "../services/index-builds";
import { runSimulation } from "../services/simulations";
import { handleWebhookBatch } from "../services/webhook-delivery";
import type { JobHandler, JobKindName } from "./handlers";
import { refreshJob } from "./refresh-job";

export const JOB_HANDLERS: { [K in JobKindName]: JobHandler<K> } = {
  refresh: refreshJob,
  build: async (env, message) => {
    const stats = await buildJob(env, message);
    return { status: stats.outcome === "failed" ? "failed" : "succeeded", error: stats.reason ?? null, stats };
  },
  simulation: async (env, message) => {
    const { simulation: _, ...outcome } = await runSimulation(env, message);
    return outcome;
  },
  rebuild_changed: async (env) => {
    const { rebuilt } = await rebuildChangedJob(env);
    return { status: "succeeded", stats: { rebuilt: rebuilt.length } };
  },
};

/** Queue names as wrangler.toml declares them. */
export const QUEUES = { jobs: "edgeindex-jobs", webhooks: "edgeindex-webhooks", deadLetter: "edgeindex-dlq" } as const;

export type BatchConsumer = (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => Promise<void>;

/** The webhook deliverer's queue; the jobs queue and the dead-letter queue are consumed in consumer.ts. */
export const OTHER_QUEUE_CONSUMERS: Record<string, BatchConsumer> = {
  [QUEUES.webhooks]: (batch, env) => handleWebhookBatch(batch, env),
};
