// Alerts on a custom index (index level crossing, drawdown past a threshold, a constituent's weight drifting
// from its target) through the real app, D1 and PriceHub; every threshold and observed number derived by hand.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { triggerAlerts } from "../../src/services/alerts";
import { buildJob } from "../../src/services/index-builds";
import { type LiveQuote, publishQuotes } from "../../src/services/live";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars, insertQuote, weekdays } from "../helpers/market";
import { authedStream } from "../helpers/stream";

// Equal weight, never rebalanced, base 1000 on day 0: units AAA 0.5·1000/100 = 5, BBB 0.5·1000/50 = 10.
// AAA closes 100, 100, 100, 150, 150, 120, … so the levels are 1000, …, 5·150 + 500 = 1250 (the peak), then
// 5·120 + 500 = 1100. A live level is 5·P(AAA) + 10·P(BBB), BBB's price its stored quote of 50.
const DAYS = weekdays("2025-03-03", 10);
const aaaClose = (i: number) => (i < 3 ? 100 : i < 5 ? 150 : 120);
const DEFINITION = {
  name: "Alerted",
  constituents: ["AAA", "BBB"],
  weighting: "equal",
  rebalance: "none",
  base_date: DAYS[0],
  base_value: 1000,
};

let owner: { id: string; token: string };

const tick = (price: number, symbol = "AAA"): LiveQuote => ({
  symbol,
  price,
  ts: new Date().toISOString(),
  source: "test",
});
const create = (json: Record<string, unknown>, token = owner.token) =>
  call("/v1/alerts", { method: "POST", token, json });
const alertsOf = async (token = owner.token) => (await call("/v1/alerts?limit=100", { token })).body.data;

async function builtIndex(): Promise<string> {
  const created = await call("/v1/indexes", {
    method: "POST",
    token: owner.token,
    json: DEFINITION,
  });
  expect(created.status).toBe(202);
  expect((await buildJob(env, { index_id: created.body.id, version: created.body.version })).outcome).toBe("ready");
  return created.body.id;
}

beforeAll(async () => {
  owner = await userToken();
  const ids = await insertAssets([
    { symbol: "AAA", name: "Alpha" },
    { symbol: "BBB", name: "Beta" },
    { symbol: "CCC", name: "Gamma" },
  ]);
  await insertBars(ids.get("AAA")!, DAYS, aaaClose);
  await insertBars(ids.get("BBB")!, DAYS, () => 50);
  await insertBars(ids.get("CCC")!, DAYS, () => 10);
  await insertQuote(ids.get("AAA")!, 120, 120);
  await insertQuote(ids.get("BBB")!, 50, 50);
});

describe("index alerts", () => {
  it("stores the hand-derived levels the alerts are measured against", async () => {
    const id = await builtIndex();
    const values = (
      await call(`/v1/indexes/${id}/values?limit=100`, {
        token: owner.token,
      })
    ).body.data.map((v) => v.value);
    expect(Math.max(...values)).toBeCloseTo(1250, 9);
    expect(values[values.length - 1]).toBeCloseTo(1100, 9);
  });

  it("fires a level alert once when the live level crosses it", async () => {
    const id = await builtIndex();
    const above = await create({ kind: "index_level", index_id: id, condition: "above", level: 1150 });
    expect(above.status).toBe(201);
    expect(above.body).toMatchObject({
      kind: "index_level",
      index_id: id,
      symbol: null,
      condition: "above",
      level: 1150,
      price: null,
      threshold: null,
      status: "active",
      message: null,
    });
    const below = await create({ kind: "index_level", index_id: id, condition: "below", level: 900 });
    // 5·125 + 500 = 1125 < 1150: nothing.
    expect((await triggerAlerts(env, [tick(125)])).some((a) => a.id === above.body.id)).toBe(false);
    // 5·131 + 500 = 1155 ≥ 1150, fired by exactly one of three racing ticks.
    const fired = (await Promise.all([1, 2, 3].map(() => triggerAlerts(env, [tick(131)])))).flat();
    const mine = fired.filter((a) => a.id === above.body.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: "index_level", index_id: id, value: 1155 });
    expect(mine[0]!.message).toBe('"Alerted" rose to 1155.00, crossing your alert above 1150.00.');
    expect(fired.some((a) => a.id === below.body.id)).toBe(false);
    const list = await alertsOf();
    expect(list.find((a) => a.id === above.body.id)).toMatchObject({
      status: "triggered",
      triggered_value: 1155,
      triggered_price: null,
      message: '"Alerted" rose to 1155.00, crossing your alert above 1150.00.',
    });
    expect(list.find((a) => a.id === below.body.id)).toMatchObject({ status: "active" });
  });

  it("fires a drawdown alert once the live level is the threshold below the stored peak", async () => {
    const id = await builtIndex();
    const at15 = await create({ kind: "drawdown", index_id: id, threshold: 0.15 });
    const at25 = await create({ kind: "drawdown", index_id: id, threshold: 0.25 });
    expect(at15.body).toMatchObject({ kind: "drawdown", threshold: 0.15, condition: null, level: null });
    // 5·115 + 500 = 1075: 1075 / 1250 − 1 = −14%, not yet.
    expect((await triggerAlerts(env, [tick(115)])).some((a) => a.id === at15.body.id)).toBe(false);
    // 5·110 + 500 = 1050: 1050 / 1250 − 1 = −16%, past 15% and short of 25%.
    const fired = await triggerAlerts(env, [tick(110)]);
    const mine = fired.find((a) => a.id === at15.body.id)!;
    expect(mine.value).toBeCloseTo(-0.16, 12);
    expect(mine.message).toBe('"Alerted" is 16.0% below its peak, past your drawdown alert at 15.0%.');
    expect(fired.some((a) => a.id === at25.body.id)).toBe(false);
    // A live level above the stored peak is the new peak: no drawdown at all.
    expect((await triggerAlerts(env, [tick(200)])).some((a) => a.id === at25.body.id)).toBe(false);
  });

  it("fires a weight drift alert when a constituent's live weight is the threshold off its target", async () => {
    const id = await builtIndex();
    const aaa = await create({ kind: "weight_drift", index_id: id, symbol: "aaa", threshold: 0.08 });
    const bbb = await create({ kind: "weight_drift", index_id: id, symbol: "BBB", threshold: 0.12 });
    expect(aaa.body).toMatchObject({ kind: "weight_drift", symbol: "AAA", threshold: 0.08 });
    // AAA at 130: 650 / 1150 = 56.52%, 6.52 points over its 50% target: not yet.
    expect((await triggerAlerts(env, [tick(130)])).some((a) => a.id === aaa.body.id)).toBe(false);
    // AAA at 150: 750 / 1250 = 60%, 10 points over; BBB 500 / 1250 = 40%, 10 points under its 12-point alert.
    const fired = await triggerAlerts(env, [tick(150)]);
    const mine = fired.find((a) => a.id === aaa.body.id)!;
    expect(mine).toMatchObject({ kind: "weight_drift", symbol: "AAA", index_id: id });
    expect(mine.value).toBeCloseTo(0.1, 12);
    expect(mine.message).toBe(
      'AAA is 60.0% of "Alerted" against a target of 50.0%: 10.0 points above, past your drift alert at 8.0 points.',
    );
    expect(fired.some((a) => a.id === bbb.body.id)).toBe(false);
    // AAA at 62.5: BBB is 500 / 812.5 = 61.54%, 11.54 points over its target: not yet; AAA at 60:
    // 500 / 800 = 62.5%, 12.5 points over: it fires.
    expect((await triggerAlerts(env, [tick(62.5)])).some((a) => a.id === bbb.body.id)).toBe(false);
    const later = (await triggerAlerts(env, [tick(60)])).find((a) => a.id === bbb.body.id)!;
    expect(later.value).toBeCloseTo(0.125, 12);
    expect(later.message).toBe(
      'BBB is 62.5% of "Alerted" against a target of 50.0%: 12.5 points above, past your drift alert at 12.0 points.',
    );
  });

  it("sends the message on the stream and in the alert.triggered event", async () => {
    const id = await builtIndex();
    const stream = await authedStream(owner.token);
    const level = await create({ kind: "index_level", index_id: id, condition: "below", level: 1010 });
    // 5·101 + 500 = 1005 ≤ 1010.
    await publishQuotes(env, [tick(101)]);
    expect(await stream.next((f) => f.type === "alert" && f.id === level.body.id)).toEqual({
      type: "alert",
      id: level.body.id,
      kind: "index_level",
      index_id: id,
      value: 1005,
      ts: expect.any(String),
      message: '"Alerted" fell to 1005.00, crossing your alert below 1010.00.',
    });
    stream.ws.close();

    const drift = await create({ kind: "drawdown", index_id: id, threshold: 0.5 });
    const sent: unknown[] = [];
    const original = env.WEBHOOKS.send.bind(env.WEBHOOKS);
    env.WEBHOOKS.send = async (body: unknown) => {
      sent.push(body);
      return {} as QueueSendResponse;
    };
    try {
      // 5·25 + 500 = 625 = half of 1250.
      await triggerAlerts(env, [tick(25)]);
    } finally {
      env.WEBHOOKS.send = original;
    }
    expect(sent).toContainEqual(
      expect.objectContaining({
        kind: "event",
        type: "alert.triggered",
        data: {
          alert: { id: drift.body.id, kind: "drawdown", index_id: id, threshold: 0.5 },
          triggered_value: -0.5,
          triggered_at: expect.any(String),
          message: '"Alerted" is 50.0% below its peak, past your drawdown alert at 50.0%.',
        },
      }),
    );
  });

  it("refuses bad parameters with problem+json naming the field, and creates nothing", async () => {
    const id = await builtIndex();
    const before = (await alertsOf()).length;
    const bad: Array<[Record<string, unknown>, number, string]> = [
      [{ kind: "index_level", index_id: id, condition: "above" }, 400, "level"],
      [{ kind: "index_level", index_id: id, condition: "sideways", level: 1 }, 400, "condition"],
      [{ kind: "index_level", index_id: id, condition: "above", level: -5 }, 400, "level"],
      [{ kind: "drawdown", index_id: id, threshold: 1.5 }, 400, "threshold"],
      [{ kind: "drawdown", index_id: id, threshold: 0 }, 400, "threshold"],
      [{ kind: "drawdown", threshold: 0.1 }, 400, "index_id"],
      [{ kind: "weight_drift", index_id: id, threshold: 0.1 }, 400, "symbol"],
      [{ kind: "sideways", index_id: id }, 400, "kind"],
      [{ kind: "weight_drift", index_id: id, symbol: "CCC", threshold: 0.1 }, 422, "symbol"],
      [{ kind: "drawdown", index_id: "idx_nope", threshold: 0.1 }, 422, "index_id"],
    ];
    for (const [json, status, path] of bad) {
      const r = await call("/v1/alerts", { method: "POST", token: owner.token, json });
      expect(r.status, JSON.stringify(json)).toBe(status);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(
        r.problem.errors!.map((e: { path: string }) => e.path),
        JSON.stringify(json),
      ).toContain(path);
    }
    expect((await alertsOf()).length).toBe(before);
    // Someone else's index is unknown to the caller.
    const stranger = await userToken();
    const theirs = await call("/v1/alerts", {
      method: "POST",
      token: stranger.token,
      json: { kind: "drawdown", index_id: id, threshold: 0.1 },
    });
    expect(theirs.status).toBe(422);
    expect(theirs.problem.errors![0]!.path).toBe("index_id");
    expect(await alertsOf(stranger.token)).toEqual([]);
  });
});
