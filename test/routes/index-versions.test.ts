// Index versions: reasons, methodology hash, data_as_of, ?version=, /diff, exact reproduction at data_as_of,
// and refresh-triggered versions that a redelivered refresh does not repeat.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { getConfig } from "../../src/config";
import { upsertBars } from "../../src/db/prices";
import type { IndexVersionList } from "../../src/schemas/index-versions";
import { buildJob } from "../../src/services/index-builds";
import { runRefresh } from "../../src/services/refresh";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars } from "../helpers/market";
import { FakeProvider, makeSeries } from "../jobs/fake-provider";
import { NOW } from "../jobs/helpers";

let owner: { id: string; token: string };
let ids: Map<string, number>;
const START = "2024-05-01";
const END = "2024-06-28";
const bars = { VA: makeSeries(START, END, 0), VB: makeSeries(START, END, 2) };
const definition = {
  name: "Versioned",
  constituents: ["VA", "VB"],
  weighting: "equal",
  rebalance: "monthly",
  base_date: START,
  base_value: 1000,
};

/** Builds every version still building (what the queue consumer does), oldest first. */
async function buildPending(id: string) {
  const { results } = await env.DB.prepare(
    "SELECT version FROM index_versions WHERE index_id = ? AND status = 'building' ORDER BY version",
  )
    .bind(id)
    .all<{ version: number }>();
  for (const { version } of results) await buildJob(env, { index_id: id, version });
}

const versions = async (id: string) =>
  (await call(`/v1/indexes/${id}/versions`, { token: owner.token })).body.data as z.infer<
    typeof IndexVersionList
  >["data"];
const values = async (id: string, version?: number) =>
  (await call(`/v1/indexes/${id}/values?limit=1000${version ? `&version=${version}` : ""}`, { token: owner.token }))
    .body.data as Array<{ date: string; value: number }>;

function refreshWith(series: typeof bars, splits: Record<string, Array<{ date: string; ratio: number }>> = {}) {
  const provider = new FakeProvider(
    new Map(Object.entries(series).map(([s, b]) => [s, { bars: b, splits: splits[s] ?? [] }])),
  );
  return runRefresh(
    env,
    { kind: "refresh", job_id: "job_versions", mode: "daily", symbols: ["VA", "VB"], start: START, end: END },
    { provider, cfg: getConfig(env), now: () => NOW },
  );
}

let id = "";
beforeAll(async () => {
  owner = await userToken();
  ids = await insertAssets([
    { symbol: "VA", name: "Version A" },
    { symbol: "VB", name: "Version B" },
    { symbol: "VC", name: "Version C" },
  ]);
  for (const [s, b] of Object.entries(bars))
    await upsertBars(
      env.DB,
      b.map((x) => ({ assetId: ids.get(s)!, ...x })),
      "fake",
      "2024-01-01T00:00:00.000Z",
    );
  await insertBars(
    ids.get("VC")!,
    bars.VA.map((x) => x.date),
    (i) => 50 + i,
  );
  const created = await call("/v1/indexes", { method: "POST", token: owner.token, json: definition });
  id = created.body.id;
  await buildPending(id);
});

describe("index versions", () => {
  it("records each build with its reason, a methodology hash and the instant its data was read as of", async () => {
    const [v1] = await versions(id);
    expect(v1).toMatchObject({ version: 1, status: "ready", reason: "created" });
    expect(v1!.methodology_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(String(v1!.data_as_of))).toBeGreaterThan(0);
  });

  it("a change is a new version; ?version= still reads the old one and /diff says what moved", async () => {
    const patched = await call(`/v1/indexes/${id}`, {
      method: "PATCH",
      token: owner.token,
      json: { constituents: ["VA", "VB", "VC"] },
    });
    expect(patched.status).toBe(202);
    await buildPending(id);
    const list = await versions(id);
    expect(list.map((v) => [v.version, v.reason, v.status])).toEqual([
      [2, "changed", "ready"],
      [1, "created", "ready"],
    ]);
    expect(list[0]!.methodology_hash).not.toBe(list[1]!.methodology_hash);
    const [old, now] = [await values(id, 1), await values(id)];
    expect(old.length).toBe(now.length);
    expect(old.at(-1)!.value).not.toBe(now.at(-1)!.value);
    const diff = await call(`/v1/indexes/${id}/diff?from=1&to=2`, { token: owner.token });
    expect(diff.status).toBe(200);
    expect(diff.body.constituents).toEqual({ added: ["VC"], removed: [] });
    expect(diff.body.rebalances[0]!.changes).toContainEqual({ symbol: "VC", from: 0, to: 1 / 3, change: 1 / 3 });
    expect(diff.body.levels.final_from!.value).toBe(old.at(-1)!.value);
    expect(diff.body.levels.final_to!.value).toBe(now.at(-1)!.value);
    expect(diff.body.levels.max_abs_difference).toBeGreaterThan(0);
    expect((await call(`/v1/indexes/${id}/values?version=99`, { token: owner.token })).status).toBe(404);
  });

  it("a refresh with a revised bar re-versions the index (data_revised); redelivered, it adds no version", async () => {
    const revised = {
      ...bars,
      VB: bars.VB.map((b) => (b.date === "2024-06-03" ? { ...b, close: b.close * 1.05 } : b)),
    };
    const before = (await versions(id))[0]!;
    const first = await refreshWith(revised);
    expect(first.stats.rows_revised).toBe(1);
    expect(first.stats.index_versions_requested).toBe(1);
    const again = await refreshWith(revised);
    expect(again.stats.index_versions_requested).toBe(0);
    await buildPending(id);
    const list = await versions(id);
    expect(list.length).toBe(3);
    expect(list[0]).toMatchObject({ version: 3, reason: "data_revised", status: "ready" });
    // Rebuilding version 2's definition as of its data_as_of reproduces it exactly, whatever arrived since.
    const rebuilt = await call(
      `/v1/indexes/${id}/rebuild?data_as_of=${encodeURIComponent(String(before.data_as_of))}`,
      {
        method: "POST",
        token: owner.token,
      },
    );
    expect(rebuilt.status).toBe(202);
    await buildPending(id);
    const v4 = (await versions(id))[0]!;
    expect(v4).toMatchObject({ version: 4, reason: "rebuild", data_as_of: before.data_as_of });
    expect(v4.methodology_hash).toBe(before.methodology_hash);
    expect(await values(id, 4)).toEqual(await values(id, 2));
    expect(await values(id, 3)).not.toEqual(await values(id, 2));
    const diff = await call(`/v1/indexes/${id}/diff?from=2&to=4`, { token: owner.token });
    expect(diff.body.levels.max_abs_difference).toBe(0);
  });

  it("a refresh that stores a split of a constituent re-versions it (corporate_action), once", async () => {
    const split = {
      VA: bars.VA.map((b) =>
        b.date >= "2024-06-10" ? { ...b, close: b.close / 2, open: b.open / 2, high: b.high / 2, low: b.low / 2 } : b,
      ),
      VB: bars.VB,
    };
    const first = await refreshWith(split, { VA: [{ date: "2024-06-10", ratio: 2 }] });
    expect(first.stats.corporate_actions_changed).toBe(1);
    expect(first.stats.index_versions_requested).toBe(1);
    expect((await refreshWith(split, { VA: [{ date: "2024-06-10", ratio: 2 }] })).stats.index_versions_requested).toBe(
      0,
    );
    await buildPending(id);
    expect((await versions(id))[0]).toMatchObject({ version: 5, reason: "corporate_action", status: "ready" });
    // The split is adjusted away: no daily return near the raw −50%.
    for (const r of (await call(`/v1/indexes/${id}/values?limit=1000`, { token: owner.token })).body.data)
      if (r.daily_return !== null) expect(Math.abs(r.daily_return)).toBeLessThan(0.1);
  });

  it("rebalances carry joined, left and caps_relaxed", async () => {
    const page = await call(`/v1/indexes/${id}/rebalances?version=2`, { token: owner.token });
    expect(page.body.data[0]).toMatchObject({ joined: ["VA", "VB", "VC"], left: [], caps_relaxed: false });
    expect(page.body.data[1]).toMatchObject({ joined: [], left: [] });
  });

  it("/diff compares a date only one version rebalances on with the other's weights in force, not with 0", async () => {
    const before = (await versions(id))[0]!.version;
    const patched = await call(`/v1/indexes/${id}`, {
      method: "PATCH",
      token: owner.token,
      json: { rebalance: "quarterly" },
    });
    expect(patched.status).toBe(202);
    await buildPending(id);
    const after = (await versions(id))[0]!.version;
    const diff = await call(`/v1/indexes/${id}/diff?from=${before}&to=${after}`, { token: owner.token });
    expect(diff.status).toBe(200);
    // Equal weights of the same three names in both: monthly-only dates hold 1/3 each on both sides, so no weight
    // changed on any date (a side taken as 0 there would list every name as dropped).
    expect(diff.body.rebalances).toEqual([]);
    expect(diff.body.levels.max_abs_difference).toBeGreaterThan(0); // drift between rebalances differs
  });
});
