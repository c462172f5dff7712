// Finding 2: rate limits weigh each route's work, one bucket spans all of a user's credentials, quotas hold
// (409 quota_exceeded), and uncached analytics work per request is bounded.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import type { OpenApiOperation } from "../helpers/answers";
import { createKey, registerUser } from "../helpers/auth";
import { BASE, call, userToken } from "../helpers/http";
import { insertAssets } from "../helpers/market";

const app = buildApp();
async function hit(
  path: string,
  headers: Record<string, string>,
  vars: Record<string, string> = {},
  init: RequestInit = {},
) {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${BASE}${path}`, { ...init, headers }), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

const SYMBOLS = Array.from({ length: 50 }, (_, i) => `S${String(i).padStart(2, "0")}`);
beforeAll(async () => {
  await insertAssets(SYMBOLS.map((symbol) => ({ symbol, name: `Stock ${symbol}` })));
});

describe("cost-weighted rate limits", () => {
  it("publishes x-rate-limit-cost on every operation; a 50-symbol correlation is priced by symbol-years", async () => {
    const doc = (await call("/openapi.json")).body;
    // Every path item here holds operations only (no summary or parameters of its own).
    const ops = Object.values(doc.paths ?? {}).flatMap((p) => Object.values(p) as OpenApiOperation[]);
    expect(ops.length).toBeGreaterThan(40);
    // A new route must declare its cost beside its definition ("x-rate-limit-cost" in createRoute).
    for (const op of ops)
      expect(op["x-rate-limit-cost"], `${op.operationId ?? op.summary} declares no x-rate-limit-cost`).toBeDefined();
    expect(doc.paths!["/v1/analytics/correlation"]!.get!["x-rate-limit-cost"]).toEqual({
      base: 1,
      per_symbol_year: 1,
      max: 151,
    });
    expect(doc.paths!["/v1/me"]!.get!["x-rate-limit-cost"]).toBe(1);
  });

  it("charges a 50-symbol, 3-year correlation 151 tokens and /v1/me one", async () => {
    const { token } = await userToken();
    const headers = { authorization: `Bearer ${token}` };
    const first = await hit("/v1/me", headers);
    const started = Date.now();
    const before = Number(first.headers.get("ratelimit-remaining"));
    await hit(`/v1/analytics/correlation?symbols=${SYMBOLS.join(",")}&start=2021-01-01&end=2024-01-01`, headers);
    const after = Number((await hit("/v1/me", headers)).headers.get("ratelimit-remaining"));
    // 1 + 50 symbols × (1095 days / 365.25) = 150.9 → 151, then 1 for /v1/me; the bucket refills 600/60 = 10
    // tokens a second meanwhile (plus one for flooring both readings).
    const refilled = Math.ceil(((Date.now() - started) / 1000) * 10) + 1;
    expect(before - after).toBeLessThanOrEqual(152);
    expect(before - after).toBeGreaterThanOrEqual(152 - refilled);
  });

  it("refuses the starvation attack: 40 parallel heavy correlations get 429 long before the 40th", async () => {
    const { token } = await userToken();
    const url = `/v1/analytics/correlation?symbols=${SYMBOLS.join(",")}&start=2021-01-01&end=2024-01-01`;
    const results = await Promise.all(Array.from({ length: 40 }, () => hit(url, { authorization: `Bearer ${token}` })));
    const limited = results.filter((r) => r.status === 429);
    // 600 tokens a minute for a user: at most 3 of 151 tokens each are admitted.
    expect(results.length - limited.length).toBeLessThanOrEqual(3);
    expect(limited[0]!.body.code).toBe("rate_limited");
  });

  it("a refused heavy request does not refuse a cheap one, and its 429 reports the tokens that are left", async () => {
    const { token } = await userToken();
    const headers = { authorization: `Bearer ${token}` };
    // 400 tokens a minute (6.7 a second): two 151-token correlations leave ~98, the third needs ~8 s more.
    const vars = { RATE_LIMIT_USER_PER_MINUTE: "400", RATE_LIMIT_ACCOUNT_PER_MINUTE: "400" };
    const url = `/v1/analytics/correlation?symbols=${SYMBOLS.join(",")}&start=2021-01-01&end=2024-01-01`;
    expect((await hit(url, headers, vars)).status).toBe(200);
    expect((await hit(url, headers, vars)).status).toBe(200);
    const refused = await hit(url, headers, vars);
    expect(refused.status).toBe(429);
    const left = Number(refused.headers.get("ratelimit-remaining"));
    expect(left).toBeGreaterThanOrEqual(98);
    expect(left).toBeLessThan(151);
    // The same heavy request again, 1.5 s later, is refused from this isolate's memory, naming what is left by now:
    // the tokens of the refusal plus 1.5 s of refill at 400/60 a second (≥ 10 more), and a shorter Retry-After.
    await new Promise((r) => setTimeout(r, 1500));
    const again = await hit(url, headers, vars);
    expect(again.status).toBe(429);
    expect(Number(again.headers.get("ratelimit-remaining"))).toBeGreaterThanOrEqual(left + 9);
    expect(Number(again.headers.get("ratelimit-remaining"))).toBeLessThan(151);
    expect(Number(again.headers.get("retry-after"))).toBeLessThan(Number(refused.headers.get("retry-after")));
    const cheap = await hit("/v1/me", headers, vars);
    expect(cheap.status).toBe(200);
    expect(Number(cheap.headers.get("ratelimit-remaining"))).toBeGreaterThanOrEqual(97);
  });

  it("charges a correlation past the symbol-years limit at most the largest accepted one's 151, so its 422 is reached", async () => {
    const { token } = await userToken();
    const headers = { authorization: `Bearer ${token}` };
    const before = Number((await hit("/v1/me", headers)).headers.get("ratelimit-remaining"));
    // 50 symbols × 26 years would cost 1,301 uncapped: more than the 600-token bucket, a 429 forever.
    const huge = await hit(
      `/v1/analytics/correlation?symbols=${SYMBOLS.join(",")}&start=1998-01-01&end=2024-01-01`,
      headers,
    );
    expect(huge.status).toBe(422);
    expect(huge.body.errors[0].path).toBe("symbols");
    const after = Number(huge.headers.get("ratelimit-remaining"));
    expect(before - after).toBeLessThanOrEqual(152); // 151 and /v1/me's 1, less the refill meanwhile
    expect(before - after).toBeGreaterThanOrEqual(140);
  });

  it("bounds uncached work: past ANALYTICS_MAX_SYMBOL_YEARS a correlation is 422 naming the limit", async () => {
    const { token } = await userToken();
    const r = await hit(
      `/v1/analytics/correlation?symbols=${SYMBOLS.join(",")}&start=2014-01-01&end=2024-01-01`,
      {
        authorization: `Bearer ${token}`,
      },
      { RATE_LIMIT_USER_PER_MINUTE: "100000", RATE_LIMIT_ACCOUNT_PER_MINUTE: "100000" },
    );
    expect(r.status).toBe(422);
    expect(r.body.errors[0].path).toBe("symbols");
    expect(r.body.detail).toContain("150");
  });

  it("one bucket spans all of a user's keys: many keys do not multiply the budget", async () => {
    const user = await registerUser();
    const [k1, k2, k3] = await Promise.all([1, 2, 3].map((n) => createKey(user.access_token, { name: `k${n}` })));
    const vars = { RATE_LIMIT_KEY_PER_MINUTE: "5", RATE_LIMIT_ACCOUNT_PER_MINUTE: "8" };
    const statuses: number[] = [];
    for (const k of [k1!, k2!, k3!])
      for (let i = 0; i < 4; i++) statuses.push((await hit("/v1/me", { "x-api-key": k.key }, vars)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(8);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
  });
});

describe("quotas (409 quota_exceeded)", () => {
  it("API keys, webhooks and alerts stop at their quota, and the refused create writes nothing", async () => {
    const user = await registerUser();
    const vars = { QUOTA_API_KEYS: "2", QUOTA_WEBHOOKS: "1", QUOTA_ALERTS: "1" };
    const post = (path: string, json: unknown) =>
      hit(path, { authorization: `Bearer ${user.access_token}`, "content-type": "application/json" }, vars, {
        method: "POST",
        body: JSON.stringify(json),
      });
    expect((await post("/v1/api-keys", { name: "a" })).status).toBe(201);
    expect((await post("/v1/api-keys", { name: "b" })).status).toBe(201);
    const third = await post("/v1/api-keys", { name: "c" });
    expect(third.status).toBe(409);
    expect(third.body.code).toBe("quota_exceeded");
    expect((await post("/v1/webhooks", { url: "http://127.0.0.1:9/a", events: ["order.filled"] })).status).toBe(201);
    // The same target twice is a conflict; another target past the quota is quota_exceeded.
    expect((await post("/v1/webhooks", { url: "http://127.0.0.1:9/a", events: ["index.ready"] })).body.code).toBe(
      "conflict",
    );
    expect((await post("/v1/webhooks", { url: "http://127.0.0.1:9/b", events: ["order.filled"] })).body.code).toBe(
      "quota_exceeded",
    );
    expect((await post("/v1/alerts", { symbol: "S00", condition: "above", price: 10 })).status).toBe(201);
    expect((await post("/v1/alerts", { symbol: "S01", condition: "above", price: 10 })).body.code).toBe(
      "quota_exceeded",
    );
    const rows = await env.DB.prepare(
      "SELECT (SELECT COUNT(*) FROM api_keys WHERE user_id = ?1) AS k, (SELECT COUNT(*) FROM webhooks WHERE owner_id = ?1) AS w, (SELECT COUNT(*) FROM alerts WHERE owner_id = ?1) AS a",
    )
      .bind(user.user.id)
      .first();
    expect(rows).toEqual({ k: 2, w: 1, a: 1 });
  });

  it("concurrent key creation never passes the quota", async () => {
    const user = await registerUser();
    const vars = { QUOTA_API_KEYS: "3" };
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        hit(
          "/v1/api-keys",
          { authorization: `Bearer ${user.access_token}`, "content-type": "application/json" },
          vars,
          {
            method: "POST",
            body: JSON.stringify({ name: `k${i}` }),
          },
        ),
      ),
    );
    const created = results.filter((r) => r.status === 201).length;
    expect(created).toBeLessThanOrEqual(3);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === "quota_exceeded")).toBe(true);
    const live = await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE user_id = ? AND deleted_at IS NULL")
      .bind(user.user.id)
      .first<{ n: number }>();
    expect(live!.n).toBe(created);
  });
});
