// Cron → queue → consumer → D1 through the Worker's own exports, with the synthetic provider (no vendor key in tests).
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { QUEUES, retryDelaySeconds } from "../../src/jobs/consumer";
import { CRONS } from "../../src/jobs/cron";
import { call, userToken } from "../helpers/http";
import { insertAssets } from "../helpers/market";
import { deliver, jobRow } from "./helpers";

async function fire(cron: string, at: string) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime: Date.parse(at) }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** The queue consumer of the test runtime may pick a message up in the background too; both runs are idempotent. */
async function consume(body: unknown, queue: string = QUEUES.jobs) {
  const batch = createMessageBatch(queue, [{ id: "m1", timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

const jobsPlanned = async () =>
  (
    await env.DB.prepare("SELECT id, kind, status, payload FROM jobs ORDER BY created_at, id").all<{
      id: string;
      kind: string;
      status: string;
      payload: string;
    }>()
  ).results;

describe("cron → queue → consumer", () => {
  beforeAll(async () => {
    await insertAssets([
      { symbol: "AAPL", name: "Apple" },
      { symbol: "MSFT", name: "Microsoft" },
    ]);
  });

  it("the daily cron plans one refresh of every active asset; the consumer stores it", async () => {
    await fire(CRONS.dailyBars, "2024-06-28T21:15:00Z");
    const planned = await jobsPlanned();
    expect(planned).toHaveLength(1);
    expect(planned[0]!.kind).toBe("refresh");
    const payload = JSON.parse(planned[0]!.payload);
    expect(payload).toEqual({ kind: "refresh", mode: "daily", job_id: planned[0]!.id });

    const result = await consume(payload);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(result.retryMessages).toEqual([]);
    const row = await jobRow(planned[0]!.id);
    expect(row).toMatchObject({ status: "succeeded", error: null });
    const stored = await env.DB.prepare(
      `SELECT a.symbol, COUNT(*) AS n, COUNT(DISTINCT p.date) AS days, MIN(p.date) AS first FROM prices p JOIN assets a ON a.id = p.asset_id
       WHERE p.superseded_at IS NULL GROUP BY a.symbol ORDER BY a.symbol`,
    ).all<{ symbol: string; n: number; days: number; first: string }>();
    expect(stored.results.map((r) => r.symbol)).toEqual(["AAPL", "MSFT"]);
    for (const r of stored.results) {
      expect(r.n).toBe(r.days);
      expect(r.n).toBeGreaterThan(1000);
      expect(r.first).toBe("2019-01-02");
    }
    const caps = await env.DB.prepare("SELECT COUNT(*) AS n FROM market_caps").first<{ n: number }>();
    expect(caps?.n).toBeGreaterThanOrEqual(2);
  });

  it("the quotes cron plans a quotes refresh; the nightly cron plans rebuild_changed; holidays and unknown crons plan nothing", async () => {
    const before = (await jobsPlanned()).length;
    await fire(CRONS.dailyBars, "2024-07-04T21:15:00Z");
    await fire(CRONS.quotes, "2024-12-25T15:00:00Z");
    await fire("0 0 1 1 *", "2024-06-28T00:00:00Z");
    expect((await jobsPlanned()).length).toBe(before);

    await fire(CRONS.quotes, "2024-06-28T15:00:00Z");
    await fire(CRONS.nightlyRebuild, "2024-06-29T03:30:00Z");
    const planned = (await jobsPlanned()).slice(before);
    expect(planned.map((j) => JSON.parse(j.payload).kind)).toEqual(["refresh", "rebuild_changed"]);
    expect(JSON.parse(planned[0]!.payload).mode).toBe("quotes");

    for (const job of planned) expect((await consume(JSON.parse(job.payload))).explicitAcks).toEqual(["m1"]);
    expect(await jobRow(planned[0]!.id)).toMatchObject({ status: "succeeded" });
    expect(await jobRow(planned[1]!.id)).toMatchObject({ status: "succeeded" });
    const quotes = await env.DB.prepare("SELECT COUNT(*) AS n FROM quotes").first<{ n: number }>();
    expect(quotes?.n).toBe(2);
  });

  it("adding an asset backfills its full history through the backfill job", async () => {
    const admin = await userToken("admin");
    const created = await call("/v1/assets", {
      method: "POST",
      token: admin.token,
      json: { symbol: "NVDA", name: "NVIDIA", exchange: "NASDAQ", asset_class: "equity", listed_at: "1999-01-22" },
    });
    expect(created.status).toBe(201);
    const job = await env.DB.prepare("SELECT id, kind, payload FROM jobs WHERE kind = 'backfill'").first<{
      id: string;
      kind: string;
      payload: string;
    }>();
    const payload = JSON.parse(job!.payload);
    expect(payload).toEqual({ kind: "refresh", mode: "backfill", symbols: ["NVDA"], job_id: job!.id });
    expect((await consume(payload)).explicitAcks).toEqual(["m1"]);
    expect(await jobRow(job!.id)).toMatchObject({ status: "succeeded" });
    const stored = await env.DB.prepare(
      "SELECT MIN(p.date) AS first, COUNT(*) AS n FROM prices p JOIN assets a ON a.id = p.asset_id WHERE a.symbol = 'NVDA'",
    ).first<{ first: string; n: number }>();
    expect(stored!.first).toBe("2019-01-02");
    expect(stored!.n).toBeGreaterThan(1000);
    const split = await call("/v1/assets/NVDA/corporate-actions?start=2024-01-01&end=2024-12-31", {
      token: admin.token,
    });
    expect(split.body.splits).toEqual([{ date: "2024-06-10", ratio: 10 }]);
  });

  it("an invalid message is acked and logged, never retried; a kind with no handler fails its job", async () => {
    expect(await consume({ kind: "refresh", job_id: 42, mode: "sometimes" })).toMatchObject({
      explicitAcks: ["m1"],
      retryMessages: [],
    });
    expect(await consume("not even an object")).toMatchObject({ explicitAcks: ["m1"], retryMessages: [] });

    const id = "job_nohandler000000000000";
    await env.DB.prepare("INSERT INTO jobs (id, kind, status, payload) VALUES (?, 'simulation', 'queued', '{}')")
      .bind(id)
      .run();
    const r = await deliver({ kind: "simulation", job_id: id, simulation_id: "sim_x" }, 1, {
      handlers: { simulation: null },
    });
    expect(r).toMatchObject({ acked: true, retried: false });
    expect(await jobRow(id)).toMatchObject({
      status: "failed",
      error: "no handler is registered for 'simulation' jobs",
    });
  });

  it("the dead-letter queue acks webhook traffic and garbage; a job there ends dead once", async () => {
    expect(
      await consume(
        { kind: "event", event_id: "evt_1", type: "refresh.completed", data: {}, created_at: "2024-06-28T00:00:00Z" },
        QUEUES.deadLetter,
      ),
    ).toMatchObject({ explicitAcks: ["m1"] });
    expect(await consume(null, QUEUES.deadLetter)).toMatchObject({ explicitAcks: ["m1"] });
    const done = (await jobsPlanned())[0]!;
    await consume(JSON.parse(done.payload), QUEUES.deadLetter);
    // A job that already succeeded is never turned dead by a late dead letter.
    expect(await jobRow(done.id)).toMatchObject({ status: "succeeded" });
  });

  it("a dead-lettered build fails its index version; a dead-lettered simulation fails the simulation", async () => {
    const owner = await userToken();
    const jobId = "job_deadbuild00000000000000";
    const simJob = "job_deadsim000000000000000";
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO indexes (id, owner_id, name, definition, status, version)
         VALUES ('idx_dead', ?, 'Dead', '{"constituents":["AAPL"]}', 'building', 1)`,
      ).bind(owner.id),
      env.DB.prepare(
        "INSERT INTO simulations (id, owner_id, request, status) VALUES ('sim_dead', ?, '{}', 'running')",
      ).bind(owner.id),
      env.DB.prepare(
        "INSERT INTO jobs (id, kind, status, payload, attempts, error) VALUES (?, 'build', 'running', '{}', 6, 'D1 overloaded')",
      ).bind(jobId),
      env.DB.prepare(
        "INSERT INTO jobs (id, kind, status, payload, attempts, error) VALUES (?, 'simulation', 'running', '{}', 6, 'timeout')",
      ).bind(simJob),
    ]);
    await consume({ kind: "build", job_id: jobId, index_id: "idx_dead", version: 1 }, QUEUES.deadLetter);
    await consume({ kind: "simulation", job_id: simJob, simulation_id: "sim_dead" }, QUEUES.deadLetter);

    expect(await jobRow(jobId)).toMatchObject({ status: "dead" });
    const index = await call("/v1/indexes/idx_dead", { token: owner.token });
    expect(index.body).toMatchObject({ status: "failed" });
    expect(index.body.failure_reason).toMatch(/retries exhausted after 6 attempt\(s\); last error: D1 overloaded/);
    const sim = await call("/v1/simulations/sim_dead", { token: owner.token });
    expect(sim.body).toMatchObject({ status: "failed" });
    expect(sim.body.error).toMatch(/last error: timeout/);
  });

  it("a queue nobody consumes keeps its messages (retry → DLQ) instead of dropping them", async () => {
    const result = await consume({ anything: true }, "edgeindex-unknown");
    expect(result.retryBatch.retry).toBe(true);
  });

  it("backoff doubles per attempt up to the cap, and honours a longer Retry-After", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => retryDelaySeconds(env, a))).toEqual([30, 60, 120, 240, 480, 900, 900]);
    expect(retryDelaySeconds(env, 1, 3600)).toBe(3600);
  });
});
