// Rate limiting: exact under concurrency (the Durable Object is the single writer), per-key isolation,
// refill at the configured rate, tiers, RateLimit-* on every /v1 answer, and the isolate's "denied until" shortcut.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import { forgetLocalDenials } from "../../src/http/rate-limit";
import { createKey, freshIp, registerAdmin, registerUser } from "../helpers/auth";
import { BASE, call } from "../helpers/http";

const app = buildApp();

/** The real app over the real bindings, with some configuration overridden (a fresh env object = a fresh config). */
async function hit(
  path: string,
  opts: { vars?: Record<string, string>; headers?: Record<string, string>; init?: RequestInit } = {},
) {
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`${BASE}${path}`, { ...opts.init, headers: opts.headers }),
    { ...env, ...opts.vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  await res.body?.cancel();
  return res;
}

const bucket = (capacity: number, name = "requests") => ({ name, capacity, refillPerSecond: capacity / 60 });

describe("RateLimiter Durable Object", () => {
  it("admits exactly L of M > L concurrent takes on one key", async () => {
    const stub = env.RATE_LIMITER.getByName("conc:one");
    const t = 1_700_000_000_000;
    const decisions = await Promise.all(Array.from({ length: 40 }, () => stub.consume([bucket(10)], t)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    const denied = decisions.find((d) => !d.allowed)!;
    expect(denied).toMatchObject({ limit: 10, remaining: 0 });
    expect(denied.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it("keeps keys apart: draining one leaves another full", async () => {
    const t = 1_700_000_000_000;
    const a = env.RATE_LIMITER.getByName("conc:a");
    const b = env.RATE_LIMITER.getByName("conc:b");
    await Promise.all(Array.from({ length: 12 }, () => a.consume([bucket(5)], t)));
    const fromB = await Promise.all(Array.from({ length: 5 }, () => b.consume([bucket(5)], t)));
    expect(fromB.every((d) => d.allowed)).toBe(true);
    expect((await a.consume([bucket(5)], t)).allowed).toBe(false);
  });

  it("refills at limit/60 per second", async () => {
    const stub = env.RATE_LIMITER.getByName("refill");
    const t = 1_700_000_000_000;
    for (let i = 0; i < 60; i++) expect((await stub.consume([bucket(60)], t)).allowed).toBe(true);
    expect((await stub.consume([bucket(60)], t)).allowed).toBe(false);
    // 60 per minute = 1 per second: 5 s later exactly 5 more.
    const later = await Promise.all(Array.from({ length: 8 }, () => stub.consume([bucket(60)], t + 5_000)));
    expect(later.filter((d) => d.allowed)).toHaveLength(5);
    const full = await stub.peek(bucket(60), t + 5_000 + 120_000);
    expect(full.remaining).toBe(60);
  });
});

describe("through the Worker", () => {
  it("admits exactly the limit of a burst from one IP, then 429 with Retry-After", async () => {
    const ip = freshIp();
    const vars = { RATE_LIMIT_ANON_PER_MINUTE: "5" };
    const results = await Promise.all(
      Array.from({ length: 15 }, () => hit("/v1/me", { vars, headers: { "cf-connecting-ip": ip } })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(refused.headers.get("ratelimit-limit")).toBe("5");
    // Another IP is untouched.
    expect((await hit("/v1/me", { vars, headers: { "cf-connecting-ip": freshIp() } })).status).toBe(401);
  });

  it("limits a user by user id, whatever the IP, and apart from the IP's anonymous budget", async () => {
    const user = await registerUser();
    const vars = { RATE_LIMIT_USER_PER_MINUTE: "6", RATE_LIMIT_ANON_PER_MINUTE: "2" };
    const ip = freshIp();
    const results = await Promise.all(
      Array.from({ length: 14 }, (_, i) =>
        hit("/v1/me", {
          vars,
          headers: { authorization: `Bearer ${user.access_token}`, "cf-connecting-ip": i % 2 ? ip : freshIp() },
        }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(6);
    expect(results.filter((r) => r.status === 429)).toHaveLength(8);
    expect((await hit("/v1/me", { vars, headers: { "cf-connecting-ip": ip } })).status).toBe(401);
  });

  it("gives each API key its own bucket", async () => {
    const user = await registerUser();
    const [k1, k2] = [await createKey(user.access_token), await createKey(user.access_token)];
    const vars = { RATE_LIMIT_KEY_PER_MINUTE: "3" };
    const burst = await Promise.all(
      Array.from({ length: 6 }, () => hit("/v1/me", { vars, headers: { "x-api-key": k1.key } })),
    );
    expect(burst.filter((r) => r.status === 200)).toHaveLength(3);
    expect((await hit("/v1/me", { vars, headers: { "x-api-key": k2.key } })).status).toBe(200);
  });

  it("serves denials from the isolate's memory while denied, without asking the Durable Object", async () => {
    const ip = freshIp();
    const vars = { RATE_LIMIT_ANON_PER_MINUTE: "1" };
    const headers = { "cf-connecting-ip": ip };
    expect((await hit("/v1/me", { vars, headers })).status).toBe(401);
    expect((await hit("/v1/me", { vars, headers })).status).toBe(429);
    // Refill the object behind the isolate's back: the local denial still answers, so no round trip happened.
    await env.RATE_LIMITER.getByName(`ip:${ip}`).resetBucket("requests");
    const local = await hit("/v1/me", { vars, headers });
    expect(local.status).toBe(429);
    expect(Number(local.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    forgetLocalDenials();
    expect((await hit("/v1/me", { vars, headers })).status).toBe(401);
  });

  it("uses the tier's limit: anonymous, user, key, admin", async () => {
    const [user, admin] = await Promise.all([registerUser(), registerAdmin()]);
    const key = await createKey(user.access_token);
    const limitOf = async (headers: Record<string, string>) =>
      (await call("/v1/me", { headers })).headers.get("ratelimit-limit");
    expect(await limitOf({ "cf-connecting-ip": freshIp() })).toBe(String(env.RATE_LIMIT_ANON_PER_MINUTE));
    expect(await limitOf({ authorization: `Bearer ${user.access_token}` })).toBe(
      String(env.RATE_LIMIT_USER_PER_MINUTE),
    );
    expect(await limitOf({ authorization: `Bearer ${admin.access_token}` })).toBe(
      String(env.RATE_LIMIT_ADMIN_PER_MINUTE),
    );
    expect(await limitOf({ "x-api-key": key.key })).toBe(String(env.RATE_LIMIT_KEY_PER_MINUTE));
  });
});

describe("RateLimit-* headers", () => {
  let token: string;
  beforeAll(async () => {
    token = (await registerUser()).access_token;
  });

  it("are on every /v1 answer: 200, 304, 400, 401, 404, 405, 415, 201", async () => {
    const auth = { authorization: `Bearer ${token}` };
    const ok = await call("/v1/me", { headers: auth });
    const answers = [
      ok,
      await call("/v1/me", { headers: { ...auth, "if-none-match": ok.headers.get("etag")! } }),
      await call("/v1/api-keys?limit=0", { headers: auth }),
      await call("/v1/me", { headers: { "cf-connecting-ip": freshIp() } }),
      await call("/v1/nothing-here", { headers: auth }),
      await call("/v1/me", { method: "DELETE", headers: auth }),
      await call("/v1/api-keys", {
        method: "POST",
        body: "name=x",
        headers: { ...auth, "content-type": "text/plain" },
      }),
      await call("/v1/api-keys", { method: "POST", json: { name: "h" }, headers: auth }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 304, 400, 401, 404, 405, 415, 201]);
    for (const a of answers) {
      expect(Number(a.headers.get("ratelimit-limit"))).toBeGreaterThan(0);
      expect(a.headers.get("ratelimit-remaining")).toMatch(/^\d+$/);
      expect(a.headers.get("ratelimit-reset")).toMatch(/^\d+$/);
    }
    const r1 = Number(answers[0]!.headers.get("ratelimit-remaining"));
    const r2 = Number(answers[2]!.headers.get("ratelimit-remaining"));
    expect(r2).toBeLessThan(r1);
  });

  it("are not on /health, and not anywhere when the limiter is switched off", async () => {
    expect((await call("/health")).headers.get("ratelimit-limit")).toBeNull();
    const off = await hit("/v1/me", {
      vars: { RATE_LIMIT_ENABLED: "false" },
      headers: { "cf-connecting-ip": freshIp() },
    });
    expect(off.status).toBe(401);
    expect(off.headers.get("ratelimit-limit")).toBeNull();
  });
});
