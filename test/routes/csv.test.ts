// Time-series lists as text/csv: prices, index values, allocations and equity curves, by ?format=csv or Accept.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { csvCell } from "../../src/http/csv";
import { buildJob } from "../../src/services/index-builds";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars, TWO_EQUAL } from "../helpers/market";

let token: string;
let indexId: string;
const DAYS = ["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"];

beforeAll(async () => {
  token = (await userToken()).token;
  const ids = await insertAssets([
    { symbol: "AAA", name: "Alpha" },
    { symbol: "BBB", name: "Beta" },
  ]);
  const AAA = [10, 20, 20, 10];
  await insertBars(ids.get("AAA")!, DAYS, (i) => AAA[i]!);
  await insertBars(ids.get("BBB")!, DAYS, () => 10);
  const created = await call("/v1/indexes", { method: "POST", token, json: TWO_EQUAL });
  indexId = created.body.id;
  await buildJob(env, { index_id: indexId, version: created.body.version });
});

describe("CSV on time series", () => {
  it("answers prices as CSV for ?format=csv, with a header row and Link rel=next to the next page", async () => {
    const r = await call("/v1/assets/AAA/prices?limit=2&format=csv", { token });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    // insertBars: open = close, high = close·1.01, low = close·0.99, volume = 1000 + i; adj_close = close (no actions).
    expect(r.text).toBe(
      "date,open,high,low,close,adj_close,volume\r\n" +
        "2024-01-30,10,10.1,9.9,10,10,1000\r\n" +
        "2024-01-31,20,20.2,19.8,20,20,1001\r\n",
    );
    const link = r.headers.get("link")!;
    expect(link).toMatch(/^<\/v1\/assets\/AAA\/prices\?limit=2&format=csv&cursor=[^>]+>; rel="next"$/);
    const next = await call(link.slice(1, link.indexOf(">")), { token });
    expect(next.text).toBe(
      "date,open,high,low,close,adj_close,volume\r\n" +
        "2024-02-01,20,20.2,19.8,20,20,1002\r\n" +
        "2024-02-02,10,10.1,9.9,10,10,1003\r\n",
    );
    expect(next.headers.get("link")).toBeNull();
  });

  it("answers CSV for Accept: text/csv, JSON otherwise, and says it varies by Accept", async () => {
    const csv = await call("/v1/assets/AAA/prices?fields=date,close", { token, headers: { accept: "text/csv" } });
    expect(csv.text).toBe("date,close\r\n2024-01-30,10\r\n2024-01-31,20\r\n2024-02-01,20\r\n2024-02-02,10\r\n");
    expect(csv.headers.get("vary")).toContain("Accept");
    const json = await call("/v1/assets/AAA/prices", { token, headers: { accept: "application/json, text/csv" } });
    expect(json.headers.get("content-type")).toContain("application/json");
    // q-values decide (RFC 9110 §12.5.1): the most specific matching range's weight; a tie or */* stays JSON.
    const negotiated: Array<[string, string]> = [
      ["application/json;q=0.5, text/csv;q=0.9", "text/csv"],
      ["text/csv;q=0.4, application/json", "application/json"],
      ["text/*, application/json;q=0.2", "text/csv"],
      ["text/csv;q=0, */*", "application/json"],
      ["*/*", "application/json"],
      ["text/csv, */*;q=0.1", "text/csv"],
    ];
    for (const [accept, type] of negotiated) {
      const r = await call("/v1/assets/AAA/prices", { token, headers: { accept } });
      expect(r.headers.get("content-type"), accept).toContain(type);
    }
    const tag = csv.headers.get("etag")!;
    const again = await call("/v1/assets/AAA/prices?fields=date,close", {
      token,
      headers: { accept: "text/csv", "if-none-match": tag },
    });
    expect(again.status).toBe(304);
  });

  it("answers index values and allocations as CSV (values derived by hand in indexes.test.ts)", async () => {
    const values = await call(`/v1/indexes/${indexId}/values?format=csv`, { token });
    expect(values.text).toBe(
      `date,value,daily_return\r\n2024-01-30,1000,\r\n2024-01-31,1500,0.5\r\n2024-02-01,1500,0\r\n2024-02-02,1125,${1125 / 1500 - 1}\r\n`,
    );
    const alloc = await call(`/v1/indexes/${indexId}/allocations?date=2024-02-02&format=csv`, { token });
    const [header, ...rows] = alloc.text.trim().split("\r\n");
    expect(header).toBe("date,rebalance_date,version,symbol,weight,shares");
    expect(rows.map((r) => r.split(",").slice(0, 5).join(","))).toEqual([
      "2024-02-02,2024-02-01,1,AAA,0.5",
      "2024-02-02,2024-02-01,1,BBB,0.5",
    ]);
  });

  it("refuses an unknown format with 400 naming the field, and is not offered on other lists", async () => {
    const bad = await call("/v1/assets/AAA/prices?format=xml", { token });
    expect(bad.status).toBe(400);
    expect(bad.problem.errors![0]!.path).toBe("format");
    const assets = await call("/v1/assets", { token, headers: { accept: "text/csv" } });
    expect(assets.headers.get("content-type")).toContain("application/json");
  });

  it("declares text/csv on exactly the time-series GETs in the OpenAPI document", async () => {
    const doc = (await call("/openapi.json")).body;
    const withCsv: string[] = [];
    for (const [path, item] of Object.entries(
      doc.paths as Record<string, { get?: { responses?: Record<string, { content?: Record<string, unknown> }> } }>,
    )) {
      if (item.get?.responses?.["200"]?.content?.["text/csv"]) withCsv.push(path);
    }
    expect(withCsv.sort()).toEqual(
      [
        "/v1/assets/{symbol}/prices",
        "/v1/indexes/{id}/allocations",
        "/v1/indexes/{id}/values",
        "/v1/simulations/{id}",
      ].sort(),
    );
  });

  it("writes cells by RFC 4180 and defuses formula starts", () => {
    expect(csvCell(null)).toBe("");
    expect(csvCell(1.5)).toBe("1.5");
    expect(csvCell(-2)).toBe("-2");
    expect(csvCell('say "hi", then')).toBe('"say ""hi"", then"');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell("a\nb")).toBe('"a\nb"');
  });
});
