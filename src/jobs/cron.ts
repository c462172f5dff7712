// Cron → job planning: each trigger enqueues one job; the fetching happens in the queue consumer, never here.
import { isTradingDay } from "../domain/calendar";
import { enqueueJob } from "../services/jobs";

/** The cron expressions of wrangler.toml [triggers]; a trigger not listed here is logged and ignored. */
export const CRONS = {
  dailyBars: "15 21 * * 1-5",
  quotes: "*/1 13-20 * * 1-5",
  nightlyRebuild: "30 3 * * *",
} as const;

/** Enqueues the job a trigger stands for; returns its id, or null when there is nothing to do. */
export async function planScheduled(
  controller: Pick<ScheduledController, "cron" | "scheduledTime">,
  env: Env,
): Promise<string | null> {
  const day = new Date(controller.scheduledTime).toISOString().slice(0, 10);
  let jobId: string | null = null;
  switch (controller.cron) {
    case CRONS.dailyBars:
      // Exchange holidays have no new bar; the next trading day's overlap window covers anything late.
      if (isTradingDay(day)) jobId = await enqueueJob(env, { kind: "refresh", mode: "daily" });
      break;
    case CRONS.quotes:
      if (isTradingDay(day)) jobId = await enqueueJob(env, { kind: "refresh", mode: "quotes" });
      break;
    case CRONS.nightlyRebuild:
      jobId = await enqueueJob(env, { kind: "rebuild_changed" });
      break;
    default:
      console.warn(JSON.stringify({ level: "warn", msg: "unknown cron trigger", cron: controller.cron }));
      return null;
  }
  console.log(JSON.stringify({ level: "info", msg: "cron planned", cron: controller.cron, day, job_id: jobId }));
  return jobId;
}

export async function scheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  await planScheduled(controller, env);
}
