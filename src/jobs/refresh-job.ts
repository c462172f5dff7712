// The `refresh` job: runs the pipeline for one message and turns its outcome into the job outcome, events and retries.
import { getConfig } from "../config";
import { createProvider, syntheticRefusal } from "../providers";
import type { RefreshMessage } from "../schemas/messages";
import { emitEvent } from "../services/events";
import type { JobOutcome } from "../services/jobs";
import { decide, mergeStats, type RefreshDeps, type RefreshStats, runRefresh } from "../services/refresh";
import { type JobRunContext, RetryableJobError } from "./handlers";

/**
 * Job status rules:
 * - `succeeded`: every symbol was stored, or the vendor refused some (listed in `symbols_failed`; the next daily
 *   run starts at their last stored bar, so it fills the gap).
 * - `failed`: the vendor refused every symbol; retrying cannot help.
 * - transient provider failures (timeouts, 429, 5xx, cut-off or unreadable answers, unexpected throws): what
 *   succeeded is committed, the job goes back to `queued` with `retry_symbols`, and the queue redelivers it with
 *   backoff; the retry runs only those symbols and adds to the totals. When the retries run out the
 *   dead-letter consumer marks it `dead`.
 * - quote jobs never retry: the next minute's run replaces them.
 * Every write is idempotent, so a redelivered message, or a retry that repeats work, changes nothing.
 */
export async function refreshJob(
  env: Env,
  msg: RefreshMessage,
  ctx: JobRunContext,
  deps: Partial<RefreshDeps> = {},
): Promise<JobOutcome> {
  const cfg = deps.cfg ?? getConfig(env);
  const refusal = deps.provider ? null : syntheticRefusal(cfg);
  // Writing made-up prices into a production database is worse than writing none; retrying cannot help.
  if (refusal) return { status: "failed", error: refusal, stats: null };
  const previous = resumable(ctx.previousStats);
  const scoped = previous ? { ...msg, symbols: previous.retry_symbols } : msg;
  const attempt = await runRefresh(env, scoped, { ...deps, cfg, provider: deps.provider ?? createProvider(env, cfg) });
  const outcome = previous
    ? decide(mergeStats(previous, attempt.stats), attempt.status === "retry" ? attempt.retryAfterSeconds : undefined)
    : attempt;
  const { stats } = outcome;
  console.log(
    JSON.stringify({
      level: outcome.status === "succeeded" ? "info" : "warn",
      msg: "refresh job",
      job_id: msg.job_id,
      mode: msg.mode,
      status: outcome.status,
      symbols: scoped.symbols?.length ?? stats.symbols,
      rows_inserted: stats.rows_inserted,
      rows_revised: stats.rows_revised,
      rows_rejected: stats.rows_rejected,
      symbols_failed: stats.symbols_failed.length,
      ms: stats.ms,
    }),
  );
  if (outcome.status === "retry") throw new RetryableJobError(outcome.error, outcome.retryAfterSeconds, stats);
  const result: JobOutcome = {
    status: outcome.status,
    error: outcome.status === "failed" ? outcome.error : null,
    stats,
  };
  if (msg.mode === "quotes") return result;
  const summary = {
    job_id: msg.job_id,
    mode: msg.mode,
    rows_inserted: stats.rows_inserted,
    rows_revised: stats.rows_revised,
    symbols_failed: stats.symbols_failed,
  };
  if (outcome.status === "succeeded") await emitEvent(env, { type: "refresh.completed", data: summary });
  else await emitEvent(env, { type: "refresh.failed", data: { ...summary, error: outcome.error } });
  return result;
}

/** Stats a previous attempt left for its retry, or undefined when this delivery must run the whole job. */
function resumable(stats: unknown): RefreshStats | undefined {
  const s = stats as Partial<RefreshStats> | null | undefined;
  if (!s || !Array.isArray(s.retry_symbols) || s.retry_symbols.length === 0 || typeof s.rows_inserted !== "number")
    return undefined;
  return s as RefreshStats;
}
