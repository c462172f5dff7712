// Backtests through the real app: submit, run the job, read a hand-checked curve and trades; ownership and validation.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { simulationJob } from "../../src/services/simulations";
import { call, rowCount, userToken } from "../helpers/http";
import { insertAssets, insertBars, TWO_EQUAL } from "../helpers/market";

let owner: { id: string; token: string };
let other: { id: string; token: string };

const DAYS = ["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"];
const index = TWO_EQUAL;
const request = { index, start: "2024-01-30", end: "2024-02-02", initial_capital: 10000 };

beforeAll(async () => {
  owner = await userToken();
  other = await userToken();
  const ids = await insertAssets([
    { symbol: "AAA", name: "Alpha" },
    { symbol: "BBB", name: "Beta" },
  ]);
  await insertBars(ids.get("AAA")!, DAYS, (i) => [10, 20, 20, 10][i]!);
  await insertBars(ids.get("BBB")!, DAYS, () => 10);
});

async function simulate(json: unknown, token = owner.token) {
  const created = await call("/v1/simulations", { method: "POST", token, json });
  expect(created.status).toBe(202);
  return created.body.id as string;
}

describe("POST /v1/simulations", () => {
  it("queues, runs, and reports a curve that reconciles with the trades", async () => {
    const id = await simulate(request);
    expect(id).toMatch(/^sim_/);
    const queued = await call(`/v1/simulations/${id}`, { token: owner.token });
    expect(queued.body).toMatchObject({ id, status: "queued", equity_curve: [], trades: [], metrics: null });

    expect(await simulationJob(env, { simulation_id: id })).toBe("succeeded");
    const done = await call(`/v1/simulations/${id}`, { token: owner.token });
    expect(done.status).toBe(200);
    // Jan 30: 5000 → 500 AAA @10, 5000 → 500 BBB @10.  Jan 31: 500·20 + 500·10 = 15000.
    // Feb 1 rebalance at 15000: AAA to 7500/20 = 375 (sell 125 @20), BBB to 750 (buy 250 @10).  Feb 2: 3750 + 7500.
    expect(done.body.equity_curve).toEqual([
      { date: "2024-01-30", value: 10000 },
      { date: "2024-01-31", value: 15000 },
      { date: "2024-02-01", value: 15000 },
      { date: "2024-02-02", value: 11250 },
    ]);
    expect(done.body.trades).toEqual([
      { date: "2024-01-30", symbol: "AAA", qty: 500, price: 10, fee: 0 },
      { date: "2024-01-30", symbol: "BBB", qty: 500, price: 10, fee: 0 },
      { date: "2024-02-01", symbol: "AAA", qty: -125, price: 20, fee: 0 },
      { date: "2024-02-01", symbol: "BBB", qty: 250, price: 10, fee: 0 },
    ]);
    // Returns run from the 10,000 of capital at the close before the first session (Mon Jan 29).
    expect(done.body.metrics!.total_return).toBeCloseTo(0.125, 12);
    // No flows: TWR is the total return; MWR its ACT/365 annual rate over the 4 days Jan 29 → Feb 2.
    expect(done.body.twr).toBeCloseTo(0.125, 12);
    expect(done.body.mwr! / (1.125 ** (365 / 4) - 1)).toBeCloseTo(1, 9); // absurd over 4 days, but exact
    expect(done.body.metrics!.hit_rate).toBeCloseTo(1 / 4, 12); // one up day of four (0, +50 %, 0, −25 %)
    expect(done.body.final_cash).toBe(0);
  });

  it("charges fees and slippage on every trade, never going below zero cash", async () => {
    const id = await simulate({ ...request, fee_bps: 10, slippage_bps: 5 });
    await simulationJob(env, { simulation_id: id });
    const r = await call(`/v1/simulations/${id}`, { token: owner.token });
    expect(r.body.status).toBe("succeeded");
    expect(r.body.trades.every((t: { fee: number }) => t.fee > 0)).toBe(true);
    expect(r.body.trades[0]!.price).toBeCloseTo(10.005, 9);
    expect(r.body.final_cash).toBeGreaterThanOrEqual(0);
    expect(r.body.equity_curve[3]!.value).toBeLessThan(11250);
    expect(r.body.fees_paid).toBeGreaterThan(0);
    // The first session's fees and slippage are part of the return: it is read from the capital, not the first close.
    const final = r.body.equity_curve[3]!.value as number;
    expect(r.body.equity_curve[0]!.value).toBeLessThan(10_000);
    expect(r.body.metrics!.total_return).toBeCloseTo(final / 10_000 - 1, 12);
    expect(r.body.twr).toBeCloseTo(final / 10_000 - 1, 12);
  });

  it("runs one of the caller's indexes by id; another user's index id is 404", async () => {
    const created = await call("/v1/indexes", { method: "POST", token: owner.token, json: index });
    const id = await simulate({
      index_id: created.body.id,
      start: "2024-01-30",
      end: "2024-02-02",
      initial_capital: 10000,
    });
    await simulationJob(env, { simulation_id: id });
    const r = await call(`/v1/simulations/${id}`, { token: owner.token });
    expect(r.body).toMatchObject({ status: "succeeded", index_id: created.body.id });
    expect(r.body.equity_curve.at(-1)!.value).toBe(11250);

    const sims = await rowCount("simulations");
    const foreign = await call("/v1/simulations", {
      method: "POST",
      token: other.token,
      json: { index_id: created.body.id, start: "2024-01-30", end: "2024-02-02", initial_capital: 10000 },
    });
    expect(foreign.status).toBe(404);
    expect(await rowCount("simulations")).toBe(sims);
    expect((await call(`/v1/simulations/${id}`, { token: other.token })).status).toBe(404);
    expect((await call("/v1/simulations/sim_unknown", { token: owner.token })).status).toBe(404);
  });

  it("replays the first answer for the same Idempotency-Key and body; a different body is 422", async () => {
    const headers = { "idempotency-key": `sim-${crypto.randomUUID()}` };
    const before = await rowCount("simulations");
    const first = await call("/v1/simulations", { method: "POST", token: owner.token, json: request, headers });
    const again = await call("/v1/simulations", { method: "POST", token: owner.token, json: request, headers });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await rowCount("simulations")).toBe(before + 1);
    const changed = await call("/v1/simulations", {
      method: "POST",
      token: owner.token,
      json: { ...request, initial_capital: 5000 },
      headers,
    });
    expect(changed.status).toBe(422);
    expect(await rowCount("simulations")).toBe(before + 1);
    const audited = await env.DB.prepare(
      "SELECT actor, outcome FROM audit_log WHERE action = 'simulation.create' AND target = ?",
    )
      .bind(first.body.id)
      .first();
    expect(audited).toEqual({ actor: owner.id, outcome: "success" });
  });

  it("fails the simulation with a reason when there is nothing to trade", async () => {
    const id = await simulate({
      ...request,
      index: { ...index, base_date: "2023-01-02" },
      start: "2023-01-02",
      end: "2023-02-01",
    });
    expect(await simulationJob(env, { simulation_id: id })).toBe("failed");
    const r = await call(`/v1/simulations/${id}`, { token: owner.token });
    expect(r.body.status).toBe("failed");
    expect(r.body.error).toBeTruthy();
  });

  it("names an inline index's fields from the body's root (index.constituents), as the schema's errors do", async () => {
    const unknown = await call("/v1/simulations", {
      method: "POST",
      token: owner.token,
      json: { ...request, index: { ...index, constituents: ["AAA", "NOPE"] } },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.problem.errors?.map((e) => e.path)).toEqual(["index.constituents"]);
    const malformed = await call("/v1/simulations", {
      method: "POST",
      token: owner.token,
      json: { ...request, index: { ...index, constituents: [] } },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.problem.errors?.[0]?.path).toBe("index.constituents");
  });

  const invalid: Array<[string, unknown, number]> = [
    ["both index and index_id", { ...request, index_id: "idx_x" }, 400],
    ["neither index nor index_id", { start: "2024-01-30", end: "2024-02-02", initial_capital: 1 }, 400],
    ["end before start", { ...request, start: "2024-02-02", end: "2024-01-30" }, 400],
    ["negative capital", { ...request, initial_capital: -5 }, 400],
    ["unknown field", { ...request, leverage: 3 }, 400],
    ["fee out of range", { ...request, fee_bps: 20000 }, 400],
    ["infeasible caps in the index", { ...request, index: { ...index, max_weight: 0.2 } }, 422],
    ["unknown constituent", { ...request, index: { ...index, constituents: ["AAA", "NOPE"] } }, 422],
  ];
  it.each(invalid)("%s → problem+json, nothing written", async (_name, json, status) => {
    const sims = await rowCount("simulations");
    const r = await call("/v1/simulations", { method: "POST", token: owner.token, json });
    expect(r.status).toBe(status);
    expect(r.problem.code).toBe("validation_failed");
    expect(await rowCount("simulations")).toBe(sims);
  });
});
