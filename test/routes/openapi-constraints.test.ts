// The OpenAPI document is as strict as the server: for each rule beyond a field's type (ticker lists, the
// 1900–2100 date range, uniqueItems, minProperties, format uri), a value the server refuses with 400 is refused by
// the document's schema too, and a value the document accepts is not refused by the server as malformed. The
// schemas are judged by @cfworker/json-schema (draft 2020-12, formats on), not by the server's own zod checks.
import { Validator } from "@cfworker/json-schema";
import { beforeAll, describe, expect, it } from "vitest";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars, TWO_EQUAL, weekdays } from "../helpers/market";

type Json = Record<string, any>;
let doc: Json;
let user: { id: string; token: string };
let admin: { id: string; token: string };
let indexId: string;

function validator(schema: Json): Validator {
  // The root carries the components, so "#/components/schemas/…" references resolve as in the document.
  return new Validator({ ...schema, components: doc.components } as never, "2020-12", false);
}

function queryParam(path: string, name: string): Validator {
  const p = (doc.paths[path].get.parameters as Json[]).find((x) => x.in === "query" && x.name === name);
  expect(p, `${path} ?${name}`).toBeTruthy();
  return validator(p!.schema);
}

function bodySchema(path: string, method: string): Validator {
  return validator(doc.paths[path][method].requestBody.content["application/json"].schema);
}

const accepts = (v: Validator, value: unknown) => v.validate(value).valid;

beforeAll(async () => {
  doc = (await call("/openapi.json")).body;
  user = await userToken();
  admin = await userToken("admin");
  const ids = await insertAssets([
    { symbol: "AAA", name: "Alpha" },
    { symbol: "BBB", name: "Beta" },
  ]);
  const days = weekdays("2024-01-02", 60);
  await insertBars(ids.get("AAA")!, days, (i) => 10 + (i % 7));
  await insertBars(ids.get("BBB")!, days, (i) => 20 + (i % 5));
  const created = await call("/v1/indexes", { method: "POST", token: user.token, json: TWO_EQUAL });
  expect(created.status).toBe(202);
  indexId = created.body.id;
});

describe("query parameters", () => {
  const cases: Array<{ path: string; url: (v: string) => string; name: string; bad: string[]; good: string[] }> = [
    {
      path: "/v1/quotes",
      url: (v) => `/v1/quotes?symbols=${encodeURIComponent(v)}`,
      name: "symbols",
      bad: [
        "",
        "AAPL MSFT",
        "A$PL",
        "TOOLONGTOOLONGTOOLONGX",
        Array.from({ length: 101 }, (_, i) => `S${i}`).join(","),
      ],
      good: ["AAA", "AAA,BBB", "aaa,BBB", Array.from({ length: 100 }, (_, i) => `S${i}`).join(",")],
    },
    {
      path: "/v1/analytics/correlation",
      url: (v) => `/v1/analytics/correlation?symbols=${encodeURIComponent(v)}`,
      name: "symbols",
      bad: ["AAA", "AAA,AAA", "AAA,BBB,AAA", Array.from({ length: 51 }, (_, i) => `S${i}`).join(",")],
      good: ["AAA,BBB"],
    },
    {
      path: "/v1/assets/{symbol}/prices",
      url: (v) => `/v1/assets/AAA/prices?start=${encodeURIComponent(v)}`,
      name: "start",
      bad: ["1899-12-31", "2101-01-01", "2024-02-30", "2024-13-01", "2024-1-02", "20240102"],
      good: ["1900-01-01", "2024-02-29", "2100-12-31"],
    },
    {
      // The market calendar answers for 2000–2100 only.
      path: "/v1/market/calendar",
      url: (v) => `/v1/market/calendar?start=${encodeURIComponent(v)}`,
      name: "start",
      bad: ["1999-12-31", "2101-01-01", "2024-02-30", "2024-13-01", "2024-1-02", "20240102"],
      good: ["2000-01-01", "2024-02-29", "2100-12-31"],
    },
    {
      path: "/v1/market/status",
      url: (v) => `/v1/market/status?at=${encodeURIComponent(v)}`,
      name: "at",
      bad: ["1999-12-31T23:59:59Z", "2101-01-01T00:00:00Z", "2024-11-29", "2024-11-29T25:00:00Z", "now"],
      good: ["2000-01-01T00:00:00Z", "2024-11-29T14:00:00-05:00", "2100-12-31T23:59:59.999Z"],
    },
    {
      path: "/v1/assets",
      url: (v) => `/v1/assets?search=${encodeURIComponent(v)}`,
      name: "search",
      bad: ["x".repeat(65)],
      // Up to 64 characters of anything, multi-byte and LIKE metacharacters included, never a 5xx.
      good: ["x".repeat(64), "é".repeat(64), "%_\\", "al"],
    },
    {
      path: "/v1/assets/{symbol}/patterns",
      url: (v) => `/v1/assets/AAA/patterns?kinds=${encodeURIComponent(v)}`,
      name: "kinds",
      bad: ["doji,nope", "Doji", "doji;hammer"],
      good: ["doji", "doji,hammer,three_black_crows"],
    },
  ];
  for (const c of cases) {
    it(`${c.path} ?${c.name}: what the server refuses the document refuses`, async () => {
      const schema = queryParam(c.path, c.name);
      for (const v of c.bad) {
        const r = await call(c.url(v), { token: user.token });
        expect(r.status, `server on ${JSON.stringify(v)}`).toBe(400);
        expect(String(r.problem.errors?.[0]?.path), JSON.stringify(v)).toMatch(new RegExp(`^${c.name}`));
        expect(accepts(schema, v), `document on ${JSON.stringify(v)}`).toBe(false);
      }
      for (const v of c.good) {
        expect(accepts(schema, v), `document on ${JSON.stringify(v)}`).toBe(true);
        const r = await call(c.url(v), { token: user.token });
        expect(r.status, `server on ${JSON.stringify(v)}: ${JSON.stringify(r.body)}`).not.toBe(400);
      }
    });
  }
});

it("states the cursor's shape; one the server cannot have issued is 400 invalid_cursor", async () => {
  const schema = queryParam("/v1/assets", "cursor");
  for (const v of ["", "a", "abc.def", "x".repeat(30)]) {
    expect(accepts(schema, v), v).toBe(false);
    const r = await call(`/v1/assets?cursor=${encodeURIComponent(v)}`, { token: user.token });
    expect(r.status).toBe(400);
    expect(r.problem.code).toBe("invalid_cursor");
  }
  const page = await call("/v1/assets?limit=1", { token: user.token });
  expect(page.body.next_cursor).toEqual(expect.any(String));
  expect(accepts(schema, page.body.next_cursor)).toBe(true);
  expect((await call(`/v1/assets?limit=1&cursor=${page.body.next_cursor}`, { token: user.token })).status).toBe(200);
});

it("offers ?fields= only where the answer is JSON (not on the HTML report)", () => {
  const params = doc.paths["/v1/indexes/{id}/report"].get.parameters as Json[];
  expect(params.some((p) => p.in === "query" && p.name === "fields")).toBe(false);
});

describe("request bodies", () => {
  it("constituents are unique (uniqueItems) and upper-case, as the server judges them", async () => {
    const schema = bodySchema("/v1/indexes", "post");
    for (const constituents of [
      ["AAA", "AAA"],
      ["aaa", "AAA"],
    ]) {
      const body = { ...TWO_EQUAL, constituents };
      expect(accepts(schema, body), JSON.stringify(constituents)).toBe(false);
      const r = await call("/v1/indexes", { method: "POST", token: user.token, json: body });
      expect(r.status).toBe(400);
      expect(r.problem.errors![0]!.path).toMatch(/^constituents/);
    }
    expect(accepts(schema, TWO_EQUAL)).toBe(true);
  });

  it("group_caps and stress shocks need at least one entry (minProperties)", async () => {
    const create = bodySchema("/v1/indexes", "post");
    const capped = { ...TWO_EQUAL, group_caps: {} };
    expect(accepts(create, capped)).toBe(false);
    expect((await call("/v1/indexes", { method: "POST", token: user.token, json: capped })).status).toBe(400);
    const stress = bodySchema("/v1/indexes/{id}/stress", "post");
    const empty = { scenarios: [{ name: "nothing", shocks: {} }] };
    expect(accepts(stress, empty)).toBe(false);
    const r = await call(`/v1/indexes/${indexId}/stress`, { method: "POST", token: user.token, json: empty });
    expect(r.status).toBe(400);
    expect(accepts(stress, { scenarios: [{ name: "crash", shocks: { market: -0.2 } }] })).toBe(true);
  });

  it("a PATCH names at least one field (minProperties)", async () => {
    const patchIndex = bodySchema("/v1/indexes/{id}", "patch");
    expect(accepts(patchIndex, {})).toBe(false);
    expect(accepts(patchIndex, { name: "Renamed" })).toBe(true);
    expect((await call(`/v1/indexes/${indexId}`, { method: "PATCH", token: user.token, json: {} })).status).toBe(400);
    const patchAsset = bodySchema("/v1/assets/{symbol}", "patch");
    expect(accepts(patchAsset, {})).toBe(false);
    expect((await call("/v1/assets/AAA", { method: "PATCH", token: admin.token, json: {} })).status).toBe(400);
  });

  it("API key scopes do not repeat (uniqueItems)", async () => {
    const schema = bodySchema("/v1/api-keys", "post");
    const body = { name: "twice", scopes: ["read", "read"] };
    expect(accepts(schema, body)).toBe(false);
    expect((await call("/v1/api-keys", { method: "POST", token: user.token, json: body })).status).toBe(400);
    expect(accepts(schema, { name: "once", scopes: ["read", "trade"] })).toBe(true);
  });

  it("rules across fields: weights exactly with custom weighting, lookback only for risk-based ones", async () => {
    const schema = bodySchema("/v1/indexes", "post");
    const refused = [
      { ...TWO_EQUAL, weights: { AAA: 0.5, BBB: 0.5 } },
      { ...TWO_EQUAL, weighting: "custom" },
      { ...TWO_EQUAL, lookback_days: 60 },
      { ...TWO_EQUAL, covariance: "sample" },
    ];
    for (const body of refused) {
      expect(accepts(schema, body), JSON.stringify(body)).toBe(false);
      const r = await call("/v1/indexes", { method: "POST", token: user.token, json: body });
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    for (const body of [
      { ...TWO_EQUAL, weighting: "custom", weights: { AAA: 0.5, BBB: 0.5 } },
      { ...TWO_EQUAL, weighting: "inverse_volatility", lookback_days: 20, covariance: "sample" },
    ]) {
      expect(accepts(schema, body), JSON.stringify(body)).toBe(true);
      const r = await call("/v1/indexes", { method: "POST", token: user.token, json: body });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
    }
  });

  it("an order has limit_price exactly when it is a limit order; a simulation names exactly one index", async () => {
    const order = bodySchema("/v1/orders", "post");
    for (const body of [
      { symbol: "AAA", side: "buy", qty: 1, type: "limit" },
      { symbol: "AAA", side: "buy", qty: 1, type: "market", limit_price: 10 },
    ]) {
      expect(accepts(order, body), JSON.stringify(body)).toBe(false);
      expect((await call("/v1/orders", { method: "POST", token: user.token, json: body })).status).toBe(400);
    }
    expect(accepts(order, { symbol: "AAA", side: "buy", qty: 1, type: "limit", limit_price: 10 })).toBe(true);
    expect(accepts(order, { symbol: "AAA", side: "buy", qty: 1, type: "market" })).toBe(true);

    const simulation = bodySchema("/v1/simulations", "post");
    const run = { start: "2024-01-02", end: "2024-03-01", initial_capital: 10_000 };
    for (const body of [run, { ...run, index_id: indexId, index: TWO_EQUAL }]) {
      expect(accepts(simulation, body), JSON.stringify(body)).toBe(false);
      expect((await call("/v1/simulations", { method: "POST", token: user.token, json: body })).status).toBe(400);
    }
    expect(accepts(simulation, { ...run, index_id: indexId })).toBe(true);
    expect(accepts(simulation, { ...run, index: TWO_EQUAL })).toBe(true);
  });

  it("a webhook url is an absolute http(s) URI (format uri)", async () => {
    const schema = bodySchema("/v1/webhooks", "post");
    for (const url of ["nope", "/relative/path", "ftp://example.com/h", "https://"]) {
      const body = { url, events: ["index.ready"] };
      expect(accepts(schema, body), url).toBe(false);
      const r = await call("/v1/webhooks", { method: "POST", token: user.token, json: body });
      expect(r.status, url).toBe(400);
      expect(r.problem.errors![0]!.path).toBe("url");
    }
    expect(accepts(schema, { url: "https://example.com/hooks", events: ["index.ready"] })).toBe(true);
  });

  it("a queued simulation's answer (metrics still null) matches its documented schema", async () => {
    const run = { index: TWO_EQUAL, start: "2024-01-02", end: "2024-03-01", initial_capital: 10_000 };
    const created = await call("/v1/simulations", { method: "POST", token: user.token, json: run });
    expect(created.status).toBe(202);
    const r = await call(`/v1/simulations/${created.body.id}`, { token: user.token });
    expect(r.status).toBe(200);
    expect(r.body.metrics).toBeNull();
    const schema = validator(doc.paths["/v1/simulations/{id}"].get.responses["200"].content["application/json"].schema);
    const result = schema.validate(r.body);
    expect(result.valid, JSON.stringify(result.errors.slice(0, 3))).toBe(true);
  });
});
