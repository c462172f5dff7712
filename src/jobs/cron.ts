// Cron → job planning: each trigger enqueues its jobs; the fetching happens in the queue consumer, never here.
import { getConfig } from "../config";
import { isTradingDay } from "../domain/calendar";
import { minutesIntoSession } from "../domain/trading-session";
import { syntheticRefusal } from "../providers";
import { type PlannedJob, planDailyRefresh, planQuoteRun } from "../services/credit-planner";
import { enqueueJob } from "../services/jobs";

/**
 * The cron expressions of wrangler.toml [triggers]; a trigger not listed here is logged and ignored. Days are
 * named: Cloudflare counts 1 as Sunday, so `1-5` would be Sunday to Thursday. The quotes trigger spans both
 * UTC offsets of the New York session (13:30–20:00 UTC in summer, 14:30–21:00 in winter); the code gates each
 * minute on the exchange calendar, DST-aware. The daily trigger is after the close in both seasons.
 */
export const CRONS = {
  dailyBars: "15 21 * * MON-FRI",
  quotes: "* 13-21 * * MON-FRI",
  nightlyRebuild: "30 3 * * *",
} as const;

/** Enqueues the jobs a trigger stands for; returns their ids (empty when there is nothing to do). */
export async function planScheduledJobs(
  controller: Pick<ScheduledController, "cron" | "scheduledTime">,
  env: Env,
): Promise<string[]> {
  const cfg = getConfig(env);
  const at = new Date(controller.scheduledTime);
  const day = at.toISOString().slice(0, 10);
  let planned: PlannedJob[] = [];
  const refusal = controller.cron === CRONS.nightlyRebuild ? null : syntheticRefusal(cfg);
  if (refusal) {
    console.error(
      JSON.stringify({ level: "error", msg: "refresh not planned", cron: controller.cron, error: refusal }),
    );
    return [];
  }
  switch (controller.cron) {
    case CRONS.dailyBars:
      // Exchange holidays have no new bar; the next trading day's overlap window covers anything late.
      if (isTradingDay(day)) planned = await planDailyRefresh(env, cfg, day);
      break;
    case CRONS.quotes: {
      const minute = minutesIntoSession(at);
      const run = minute === null ? null : await planQuoteRun(env, cfg, minute);
      if (run) planned = [run];
      break;
    }
    case CRONS.nightlyRebuild:
      return [await enqueueJob(env, { kind: "rebuild_changed" })];
    default:
      console.warn(JSON.stringify({ level: "warn", msg: "unknown cron trigger", cron: controller.cron }));
      return [];
  }
  const ids: string[] = [];
  for (const job of planned)
    ids.push(await enqueueJob(env, job.message, undefined, { delaySeconds: job.delaySeconds }));
  console.log(JSON.stringify({ level: "info", msg: "cron planned", cron: controller.cron, day, jobs: ids.length }));
  return ids;
}

/** The first job a trigger planned, or null. */
export async function planScheduled(
  controller: Pick<ScheduledController, "cron" | "scheduledTime">,
  env: Env,
): Promise<string | null> {
  return (await planScheduledJobs(controller, env))[0] ?? null;
}

export async function scheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  await planScheduledJobs(controller, env);
}
