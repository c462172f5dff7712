// Idempotency-Key: replay of the first answer, 422 on a different body, 409 while in flight, expiry, key rules.
import { env } from "cloudflare:test";
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { ApiError } from "../../src/errors";
import type { AppEnv } from "../../src/http/context";
import { idempotent } from "../../src/http/idempotency";
import { onError } from "../../src/http/problem";

let runs = 0;
let release: (() => void) | undefined;

/** A tiny app with the middleware as routes attach it: after the gate has set the principal. */
const app = new Hono<AppEnv>();
app.use(async (c, next) => {
  c.set("config", getConfig(env));
  c.set("requestId", "req-idem-test");
  c.set("principal", { userId: c.req.header("x-user") ?? "usr_alice", role: "user", scopes: ["read", "trade"] });
  await next();
});
app.onError(onError);
for (const path of ["/v1/orders", "/v1/simulations"]) {
  app.post(path, idempotent(), async (c) => {
    runs++;
    const body = await c.req.json<Record<string, unknown>>();
    if (body.slow) await new Promise<void>((r) => (release = r));
    if (body.crash) throw new Error("database exploded");
    if (body.refuse) throw new ApiError("validation_failed", "insufficient cash", { status: 422 });
    if (body.malformed) throw ApiError.validation("qty must be a number", [{ path: "qty", message: "not a number" }]);
    c.header("Location", `${path}/ord_${runs}`);
    return c.json({ id: `ord_${runs}`, ...body }, 201);
  });
}

async function post(path: string, body: unknown, key?: string, headers: Record<string, string> = {}) {
  const res = await app.request(
    path,
    {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
      headers: {
        "content-type": "application/json",
        ...(key !== undefined ? { "idempotency-key": key } : {}),
        ...headers,
      },
    },
    env,
  );
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json().catch(() => null)) as Record<string, unknown> | null,
  };
}

beforeEach(() => {
  runs = 0;
});

describe("Idempotency-Key", () => {
  it("runs every time without the header", async () => {
    await post("/v1/orders", { qty: 1 });
    await post("/v1/orders", { qty: 1 });
    expect(runs).toBe(2);
  });

  it("replays the first answer for the same key and body: same status, same body, Idempotent-Replayed", async () => {
    const first = await post("/v1/orders", { symbol: "AAPL", qty: 1 }, "order-1");
    const again = await post("/v1/orders", { symbol: "AAPL", qty: 1 }, "order-1");
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("content-type")).toContain("application/json");
    // The created resource's Location comes back with the replay too.
    expect(first.headers.get("location")).toBe("/v1/orders/ord_1");
    expect(again.headers.get("location")).toBe("/v1/orders/ord_1");
    expect(runs).toBe(1);
  });

  it("treats the same JSON with keys in another order as the same request", async () => {
    await post("/v1/orders", '{"a":1,"b":{"c":2,"d":3}}', "order-order");
    const again = await post("/v1/orders", '{ "b": {"d":3, "c":2}, "a": 1 }', "order-order");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(runs).toBe(1);
  });

  it("answers 422 idempotency_conflict for the same key with a different body", async () => {
    await post("/v1/orders", { qty: 1 }, "order-2");
    const other = await post("/v1/orders", { qty: 2 }, "order-2");
    expect(other.status).toBe(422);
    expect(other.body?.code).toBe("idempotency_conflict");
    expect(runs).toBe(1);
  });

  it("answers 409 conflict to a duplicate that arrives while the first is still running", async () => {
    const first = post("/v1/orders", { slow: true }, "order-slow");
    while (!release) await new Promise((r) => setTimeout(r, 5));
    const dup = await post("/v1/orders", { slow: true }, "order-slow");
    expect(dup.status).toBe(409);
    expect(dup.body?.code).toBe("conflict");
    release();
    release = undefined;
    expect((await first).status).toBe(201);
    const after = await post("/v1/orders", { slow: true }, "order-slow");
    expect(after.headers.get("idempotent-replayed")).toBe("true");
  });

  it("lets exactly one of many concurrent first requests run", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => post("/v1/orders", { burst: 1 }, "order-burst")));
    expect(runs).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(
      results.length - results.filter((r) => r.status === 409).length,
    );
    const fresh = results.filter((r) => r.status === 201 && r.headers.get("idempotent-replayed") === null);
    expect(fresh).toHaveLength(1);
  });

  it("remembers refusals below 500 and replays them", async () => {
    const first = await post("/v1/orders", { refuse: true }, "order-refused");
    const again = await post("/v1/orders", { refuse: true }, "order-refused");
    expect(first.status).toBe(422);
    expect(again.status).toBe(422);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect(again.body?.detail).toBe("insufficient cash");
    expect(runs).toBe(1);
  });

  it("keeps nothing for a 400 (the request never ran), so the corrected request can use the same key", async () => {
    expect((await post("/v1/orders", { malformed: true }, "order-fixed")).status).toBe(400);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = 'order-fixed'").first<{
      n: number;
    }>();
    expect(rows?.n).toBe(0);
    const fixed = await post("/v1/orders", { qty: 1 }, "order-fixed");
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get("idempotent-replayed")).toBeNull();
  });

  it("releases the key after a 500, so the retry runs", async () => {
    expect((await post("/v1/orders", { crash: true }, "order-crash")).status).toBe(500);
    expect((await post("/v1/orders", { crash: true }, "order-crash")).status).toBe(500);
    expect(runs).toBe(2);
  });

  it("ignores and replaces an expired row", async () => {
    await post("/v1/orders", { qty: 7 }, "order-old");
    await env.DB.prepare(
      "UPDATE idempotency_keys SET expires_at = '2000-01-01T00:00:00.000Z' WHERE key = 'order-old'",
    ).run();
    const later = await post("/v1/orders", { qty: 8 }, "order-old");
    expect(later.status).toBe(201);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect(runs).toBe(2);
    const row = await env.DB.prepare("SELECT expires_at FROM idempotency_keys WHERE key = 'order-old'").first<{
      expires_at: string;
    }>();
    expect(Date.parse(row!.expires_at)).toBeGreaterThan(Date.now());
  });

  it("scopes keys by owner and by route", async () => {
    await post("/v1/orders", { qty: 1 }, "shared-key");
    const bob = await post("/v1/orders", { qty: 1 }, "shared-key", { "x-user": "usr_bob" });
    const sim = await post("/v1/simulations", { qty: 1 }, "shared-key");
    expect(bob.headers.get("idempotent-replayed")).toBeNull();
    expect(sim.headers.get("idempotent-replayed")).toBeNull();
    expect(runs).toBe(3);
  });

  it("refuses keys that are empty, longer than 255, or not printable ASCII with 400", async () => {
    for (const key of ["", "k".repeat(256), "tab\there", "caf\u00e9"]) {
      const r = await post("/v1/orders", { qty: 1 }, key);
      expect(r.status, JSON.stringify(key)).toBe(400);
      expect(r.body?.code).toBe("validation_failed");
    }
    expect((await post("/v1/orders", { qty: 1 }, "k".repeat(255))).status).toBe(201);
    expect((await post("/v1/orders", { qty: 1 }, "with spaces and !~")).status).toBe(201);
    expect(runs).toBe(2);
  });
});
