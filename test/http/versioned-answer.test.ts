// Cached reads answer from versioned keys: the ETag names the cache version, a held tag is a 304 with no body,
// and nothing stale is served after a refresh, a build or a quote tick, even from the isolate's own memory.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { buildJob } from "../../src/services/index-builds";
import { runRefresh } from "../../src/services/refresh";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertQuote, TWO_EQUAL } from "../helpers/market";
import { FakeProvider, makeSeries } from "../jobs/fake-provider";
import { NOW } from "../jobs/helpers";

let token: string;
let other: string;
let ids: Map<string, number>;
const bars = makeSeries("2024-06-17", "2024-06-28", 3);

async function refresh(symbols: string[]) {
  const fake = new FakeProvider(new Map(symbols.map((s) => [s, { bars }])));
  const run = await runRefresh(
    env,
    { kind: "refresh", job_id: "job_versioned", mode: "daily", symbols, start: "2024-06-17" },
    { provider: fake, cfg: getConfig(env), now: () => NOW },
  );
  expect(run.status).toBe("succeeded");
  return run;
}

beforeAll(async () => {
  token = (await userToken()).token;
  other = (await userToken()).token;
  ids = await insertAssets([
    { symbol: "VAA", name: "Versioned A" },
    { symbol: "VBB", name: "Versioned B" },
  ]);
  await refresh(["VAA", "VBB"]);
});

describe("versioned answers", () => {
  it("repeats a page's Link header when the answer comes from the body held in memory (JSON and CSV)", async () => {
    for (const format of ["json", "csv"]) {
      const path = `/v1/assets/VAA/prices?limit=3&format=${format}`;
      const first = await call(path, { token });
      const again = await call(path, { token });
      expect(first.status).toBe(200);
      expect(again.status).toBe(200);
      expect(again.headers.get("etag")).toBe(first.headers.get("etag"));
      const link = first.headers.get("link");
      // 10 sessions of bars, 3 a page: a next page exists, and the link carries the cursor to it.
      expect(link).toMatch(/^<\/v1\/assets\/VAA\/prices\?.*cursor=[^&>]+.*>; rel="next"$/);
      expect(again.headers.get("link")).toBe(link);
      if (format === "json") {
        const cursor = (first.body as { next_cursor: string }).next_cursor;
        expect(decodeURIComponent(link!)).toContain(`cursor=${cursor}`);
      }
    }
  });

  it("answers its own ETag with an empty 304 that keeps the caching headers", async () => {
    const first = await call("/v1/assets/VAA/prices?limit=3", { token });
    expect(first.status).toBe(200);
    const tag = first.headers.get("etag")!;
    expect(tag).toMatch(/^"v-[0-9a-f]{40}"$/);
    const again = await call("/v1/assets/VAA/prices?limit=3", { token });
    expect(again.headers.get("etag")).toBe(tag);
    expect(again.text).toBe(first.text);

    const cached = await call("/v1/assets/VAA/prices?limit=3", { token, headers: { "if-none-match": tag } });
    expect(cached.status).toBe(304);
    expect(cached.text).toBe("");
    expect(cached.headers.get("etag")).toBe(tag);
    expect(cached.headers.get("cache-control")).toBe(first.headers.get("cache-control"));
    expect(cached.headers.get("ratelimit-limit")).not.toBeNull();
    // A list of tags, or a weak form of ours, matches too (RFC 9110 weak comparison for If-None-Match).
    const listed = await call("/v1/assets/VAA/prices?limit=3", {
      token,
      headers: { "if-none-match": `"nope", W/${tag}` },
    });
    expect(listed.status).toBe(304);
  });

  it("names the exact answer: another query, field list, representation or caller gets another tag", async () => {
    const tagOf = async (path: string, t = token) => (await call(path, { token: t })).headers.get("etag");
    const base = await tagOf("/v1/assets/VAA/prices?limit=3");
    const tags = [
      base,
      await tagOf("/v1/assets/VAA/prices?limit=4"),
      await tagOf("/v1/assets/VAA/prices?limit=3&fields=date,close"),
      await tagOf("/v1/assets/VBB/prices?limit=3"),
      await tagOf("/v1/assets/VAA/prices?limit=3", other),
    ];
    const csv = await call("/v1/assets/VAA/prices?limit=3", { token, headers: { accept: "text/csv" } });
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    tags.push(csv.headers.get("etag"));
    expect(new Set(tags).size).toBe(tags.length);
    // A JSON tag is no 304 for the CSV representation of the same URL.
    const crossed = await call("/v1/assets/VAA/prices?limit=3", {
      token,
      headers: { accept: "text/csv", "if-none-match": base! },
    });
    expect(crossed.status).toBe(200);
    // A tag held for one caller is no 304 for another (their cursors are signed for them).
    const foreign = await call("/v1/assets/VAA/prices?limit=3", { token: other, headers: { "if-none-match": base! } });
    expect(foreign.status).toBe(200);
    const trimmed = await call("/v1/assets/VAA/prices?limit=3&fields=date,close", { token });
    expect(Object.keys(trimmed.body.data[0]!)).toEqual(["date", "close"]);
  });

  it("serves the revised bar right after a refresh, and the old tag gets the new answer", async () => {
    const before = await call("/v1/assets/VAA/prices?order=desc&limit=1", { token });
    const last = bars[bars.length - 1]!;
    expect(before.body.data[0]).toMatchObject({ date: last.date, close: last.close });
    bars[bars.length - 1] = { ...last, close: last.close + 2, high: last.high + 2 };
    await new Promise((r) => setTimeout(r, 5)); // a later recorded_at
    const run = await refresh(["VAA"]);
    expect(run.stats).toMatchObject({ rows_revised: 1 });

    const after = await call("/v1/assets/VAA/prices?order=desc&limit=1", {
      token,
      headers: { "if-none-match": before.headers.get("etag")! },
    });
    expect(after.status).toBe(200);
    expect(after.body.data[0]).toMatchObject({ date: last.date, close: last.close + 2 });
    expect(after.headers.get("etag")).not.toBe(before.headers.get("etag"));
    // The other symbol's namespace was not touched: its tag still holds.
    const untouched = await call("/v1/assets/VBB/prices?limit=3", { token });
    const still = await call("/v1/assets/VBB/prices?limit=3", {
      token,
      headers: { "if-none-match": untouched.headers.get("etag")! },
    });
    expect(still.status).toBe(304);
  });

  it("serves a new quote right after it lands", async () => {
    const first = await call("/v1/quotes?symbols=VAA", { token });
    const tag = first.headers.get("etag")!;
    expect((await call("/v1/quotes?symbols=VAA", { token, headers: { "if-none-match": tag } })).status).toBe(304);
    // What the live ticker does: write the quote row, then bump the namespace.
    await insertQuote(ids.get("VAA")!, 321.5, 300, "2024-06-28T20:30:00.000Z");
    const { bumpVersion } = await import("../../src/services/cache");
    await bumpVersion(env.CACHE, "quotes");
    const after = await call("/v1/quotes?symbols=VAA", { token, headers: { "if-none-match": tag } });
    expect(after.status).toBe(200);
    expect(after.body.data[0]).toMatchObject({ symbol: "VAA", price: 321.5 });
  });

  it("serves the new version's values right after a build, and 404s once the index is deleted", async () => {
    const created = await call("/v1/indexes", {
      method: "POST",
      token,
      json: { ...TWO_EQUAL, constituents: ["VAA", "VBB"], base_date: "2024-06-17" },
    });
    expect(created.status, created.text).toBe(202);
    const id = created.body.id as string;
    await buildJob(env, { index_id: id, version: 1 });
    const v1 = await call(`/v1/indexes/${id}/values?limit=1000`, { token });
    expect(v1.status).toBe(200);
    const tag = v1.headers.get("etag")!;
    expect(
      (await call(`/v1/indexes/${id}/values?limit=1000`, { token, headers: { "if-none-match": tag } })).status,
    ).toBe(304);
    expect((await call(`/v1/indexes/${id}/values`, { token: other })).status).toBe(404);

    // A new base value changes every level: version 2 must be what readers see once its build lands.
    const patched = await call(`/v1/indexes/${id}`, { method: "PATCH", token, json: { base_value: 2000 } });
    expect(patched.status, patched.text).toBe(202);
    const during = await call(`/v1/indexes/${id}/values?limit=1000`, { token });
    expect(during.body.data[0]!.value).toBe(v1.body.data[0]!.value); // version 1 until version 2 is ready
    await buildJob(env, { index_id: id, version: 2 });
    const v2 = await call(`/v1/indexes/${id}/values?limit=1000`, { token, headers: { "if-none-match": tag } });
    expect(v2.status).toBe(200);
    expect(v2.body.data[0]!.value).toBe(2000);
    expect(v2.body.data).toHaveLength(v1.body.data.length);

    expect((await call(`/v1/indexes/${id}`, { method: "DELETE", token })).status).toBe(204);
    const gone = await call(`/v1/indexes/${id}/values?limit=1000`, {
      token,
      headers: { "if-none-match": v2.headers.get("etag")! },
    });
    expect(gone.status).toBe(404);
  });
});
