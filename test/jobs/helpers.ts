// Job test plumbing: job rows without a queue send, driving a message through retries and the DLQ, and D1 snapshots.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { getConfig } from "../../src/config";
import { newId } from "../../src/db/ids";
import { type ConsumerOverrides, handleQueue, QUEUES } from "../../src/jobs/consumer";
import { refreshJob } from "../../src/jobs/refresh-job";
import type { Bar, MarketDataProvider } from "../../src/providers/types";
import type { JobMessage, RefreshMessage } from "../../src/schemas/messages";
import type { RefreshStats } from "../../src/services/refresh";

/** wrangler.toml: max_retries for edgeindex-jobs. */
export const MAX_RETRIES = 5;
export const NOW = new Date("2024-06-28T22:00:00Z");

/**
 * Records a job as `enqueueJob` does, but without sending it: the test delivers it itself, so the background
 * queue consumer of the test runtime never races it.
 */
export async function recordJob(
  message: Omit<RefreshMessage, "job_id">,
  kind: "refresh" | "backfill" = "refresh",
): Promise<RefreshMessage> {
  const full = { ...message, job_id: newId("job") } as RefreshMessage;
  await env.DB.prepare("INSERT INTO jobs (id, kind, status, payload) VALUES (?, ?, 'queued', ?)")
    .bind(full.job_id, kind, JSON.stringify(full))
    .run();
  return full;
}

export function refreshWith(
  provider: MarketDataProvider,
  publishQuotes?: (env: Env, q: unknown[]) => Promise<void>,
): ConsumerOverrides {
  return {
    handlers: {
      refresh: (e, m, ctx) => refreshJob(e, m, ctx, { provider, cfg: getConfig(e), now: () => NOW, publishQuotes }),
    },
  };
}

/** One delivery of one message; returns whether it was acked or asked for a retry (and its delay). */
export async function deliver(
  body: unknown,
  attempts: number,
  overrides: ConsumerOverrides = {},
  queue: string = QUEUES.jobs,
) {
  const id = `msg-${attempts}-${Math.random().toString(36).slice(2)}`;
  const batch = createMessageBatch(queue, [{ id, timestamp: new Date(), attempts, body }]);
  // getQueueResult does not report retry delays: record them on the way through.
  let delaySeconds: number | undefined;
  const message = batch.messages[0]!;
  const retry = message.retry.bind(message);
  Object.defineProperty(message, "retry", {
    value: (o?: QueueRetryOptions) => {
      delaySeconds = o?.delaySeconds;
      retry(o);
    },
  });
  const ctx = createExecutionContext();
  await handleQueue(batch, env, ctx, overrides);
  const result = await getQueueResult(batch, ctx);
  const retried = result.retryMessages.some((m) => m.msgId === id);
  return { acked: result.explicitAcks.includes(id), retried, delaySeconds };
}

export interface DriveReport {
  deliveries: number;
  outcome: "acked" | "dead";
  delays: number[];
  /** prices row count after each delivery, to show it never goes down. */
  counts: number[];
}

/** What the queue does with one message: redeliver on retry, until acked or out of retries (→ DLQ consumer). */
export async function drive(
  message: JobMessage,
  overrides: ConsumerOverrides,
  opts: { maxRetries?: number; duplicate?: boolean } = {},
): Promise<DriveReport> {
  const maxRetries = opts.maxRetries ?? MAX_RETRIES;
  const report: DriveReport = { deliveries: 0, outcome: "acked", delays: [], counts: [] };
  for (let attempt = 1; ; attempt++) {
    const r = await deliver(message, attempt, overrides);
    report.deliveries++;
    report.counts.push(await pricesCount());
    // At-least-once delivery: the same message may arrive again at any time; it must change nothing.
    if (opts.duplicate) {
      await deliver(message, attempt, overrides);
      report.deliveries++;
      report.counts.push(await pricesCount());
    }
    if (r.acked) return report;
    report.delays.push(r.delaySeconds ?? 0);
    if (attempt > maxRetries) {
      await deliver(message, 1, {}, QUEUES.deadLetter);
      report.outcome = "dead";
      return report;
    }
  }
}

export async function pricesCount(): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM prices").first<{ n: number }>())?.n ?? 0;
}

export interface PriceSnapshotRow extends Bar {
  symbol: string;
  adj_close: number;
}

/** Current bars and adjusted closes of the given symbols, in a stable order; `rename` maps symbols onto one name space. */
export async function currentPrices(
  symbols: string[],
  rename: (s: string) => string = (s) => s,
): Promise<PriceSnapshotRow[]> {
  const { results } = await env.DB.prepare(
    `SELECT a.symbol, p.date, p.open, p.high, p.low, p.close, p.volume,
       p.close * COALESCE((SELECT f.factor FROM adjustment_factors f WHERE f.asset_id = p.asset_id AND f.from_date <= p.date AND p.date < f.to_date), 1) AS adj_close
     FROM prices p JOIN assets a ON a.id = p.asset_id
     WHERE p.superseded_at IS NULL AND a.symbol IN (SELECT value FROM json_each(?1))
     ORDER BY a.symbol, p.date`,
  )
    .bind(JSON.stringify(symbols))
    .all<PriceSnapshotRow>();
  return results.map((r) => ({ ...r, symbol: rename(r.symbol) }));
}

export async function jobRow(id: string): Promise<({ [column: string]: unknown; stats: RefreshStats } & {}) | null> {
  const row = await env.DB.prepare("SELECT * FROM jobs WHERE id = ?").bind(id).first<Record<string, unknown>>();
  return (
    row && {
      ...row,
      stats: row.stats ? (JSON.parse(row.stats as string) as RefreshStats) : (null as unknown as RefreshStats),
    }
  );
}
