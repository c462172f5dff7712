import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config";
import { createProvider } from "../../src/providers";
import { type ResilienceOptions, ResilientCaller, ResilientProvider } from "../../src/providers/resilience";
import { TwelveDataProvider } from "../../src/providers/twelvedata";
import { ProviderError } from "../../src/providers/types";
import { API_KEY, failure, fakeTwelveData, fixtures, json } from "./fake-twelvedata";

const T0 = Date.parse("2026-03-02T15:00:00Z");

/** A caller with its own breaker/budget object, a movable clock, and a sleep that records and advances it. */
function harness(overrides: Partial<ResilienceOptions> = {}) {
  const clock = { now: T0 };
  const sleeps: number[] = [];
  const gate = env.RATE_LIMITER.getByName(`provider:test-${crypto.randomUUID()}`);
  const caller = new ResilientCaller({
    name: "vendor",
    gate,
    timeoutMs: 1000,
    maxRetries: 3,
    breaker: { threshold: 3, cooldownMs: 60_000 },
    budget: { perMinute: 1000, perDay: 100_000 },
    baseDelayMs: 100,
    maxDelayMs: 1000,
    random: () => 0.5,
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
    ...overrides,
  });
  return { caller, gate, clock, sleeps };
}

/** A call that fails with each error in turn, then succeeds; counts its invocations. */
function flaky(...errors: ProviderError[]) {
  const fn = async () => {
    fn.calls++;
    const err = errors.shift();
    if (err) throw err;
    return "ok";
  };
  fn.calls = 0;
  return fn;
}

const server = () => new ProviderError("vendor down", "server", 503);
const client = () => new ProviderError("bad symbol", "client", 404);

describe("retries", () => {
  it.each(["rate_limited", "server", "network", "timeout", "invalid_response"] as const)(
    "retries a %s failure",
    async (kind) => {
      const { caller } = harness();
      const fn = flaky(new ProviderError("x", kind), new ProviderError("x", kind));
      expect(await caller.call(fn)).toBe("ok");
      expect(fn.calls).toBe(3);
    },
  );

  it("never retries a client error", async () => {
    const { caller, sleeps } = harness();
    const fn = flaky(client());
    expect((await failure(caller.call(fn))).kind).toBe("client");
    expect(fn.calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it("passes non-provider errors (bugs) through untouched and unretried", async () => {
    const { caller } = harness();
    let calls = 0;
    const bug = new RangeError("bug");
    await expect(
      caller.call(async () => {
        calls++;
        throw bug;
      }),
    ).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  it("stops after maxRetries and throws the last error", async () => {
    const { caller, sleeps } = harness({ maxRetries: 2 });
    const fn = flaky(server(), server(), server(), server());
    expect((await failure(caller.call(fn))).kind).toBe("server");
    expect(fn.calls).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it("backs off with full jitter inside [0, min(max, base·2ⁿ)]", () => {
    const low = harness({ random: () => 0 }).caller;
    const high = harness({ random: () => 0.999999 }).caller;
    const mid = harness({ random: () => 0.5 }).caller;
    expect([0, 1, 2, 3, 4, 5].map((n) => low.backoffMs(n))).toEqual([0, 0, 0, 0, 0, 0]);
    expect([0, 1, 2, 3, 4, 5].map((n) => mid.backoffMs(n))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 5].map((n) => high.backoffMs(n))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it("sleeps the jittered delays between attempts", async () => {
    const { caller, sleeps } = harness({ breaker: { threshold: 10, cooldownMs: 60_000 } });
    await caller.call(flaky(server(), server(), server()));
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it("waits at least the vendor's Retry-After", async () => {
    const { caller, sleeps } = harness();
    await caller.call(flaky(new ProviderError("slow down", "rate_limited", 429, 3)));
    expect(sleeps).toEqual([3000]);
  });

  it("fails at once when Retry-After is longer than it may wait in line", async () => {
    const { caller, sleeps } = harness({ maxWaitMs: 5000 });
    const fn = flaky(new ProviderError("daily credits used up", "rate_limited", 429, 3600));
    const err = await failure(caller.call(fn));
    expect(err.retryAfterSeconds).toBe(3600);
    expect(fn.calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it("times a hung call out and aborts its signal", async () => {
    const { caller } = harness({ timeoutMs: 20, maxRetries: 0 });
    let seen: AbortSignal | undefined;
    const err = await failure(
      caller.call((signal) => {
        seen = signal;
        return new Promise(() => {});
      }),
    );
    expect(err.kind).toBe("timeout");
    expect(seen?.aborted).toBe(true);
  });
});

describe("circuit breaker (shared through the RateLimiter object)", () => {
  it("opens after N consecutive failures and then rejects without calling", async () => {
    const { caller, gate } = harness({ maxRetries: 0 });
    for (let i = 0; i < 3; i++) expect((await failure(caller.call(flaky(server())))).kind).toBe("server");
    expect((await gate.breakerState()).status).toBe("open");
    const fn = flaky();
    const err = await failure(caller.call(fn));
    expect(err.kind).toBe("breaker_open");
    expect(err.retryable).toBe(false);
    expect(err.retryAfterSeconds).toBe(60);
    expect(fn.calls).toBe(0);
  });

  it("is shared: a second caller on the same object sees it open", async () => {
    const a = harness({ maxRetries: 0 });
    const b = new ResilientCaller({ ...a.caller.opts, now: () => a.clock.now });
    for (let i = 0; i < 3; i++) await failure(a.caller.call(flaky(server())));
    expect((await failure(b.call(flaky()))).kind).toBe("breaker_open");
  });

  it("does not count client errors as outages", async () => {
    const { caller, gate } = harness({ maxRetries: 0 });
    for (let i = 0; i < 5; i++) await failure(caller.call(flaky(client())));
    expect((await gate.breakerState()).status).toBe("closed");
  });

  it("stops retrying once the breaker opens mid-retry", async () => {
    const { caller } = harness({ maxRetries: 10 });
    const fn = flaky(server(), server(), server(), server());
    expect((await failure(caller.call(fn))).kind).toBe("breaker_open");
    expect(fn.calls).toBe(3);
  });

  it("half-opens after the cool-down, lets one probe through, and re-opens if it fails", async () => {
    const { caller, gate, clock } = harness({ maxRetries: 0 });
    for (let i = 0; i < 3; i++) await failure(caller.call(flaky(server())));
    clock.now += 59_000;
    expect((await failure(caller.call(flaky()))).kind).toBe("breaker_open");
    clock.now += 1_000;
    const probe = flaky(server());
    expect((await failure(caller.call(probe))).kind).toBe("server");
    expect(probe.calls).toBe(1);
    expect((await gate.breakerState()).status).toBe("open");
    expect((await failure(caller.call(flaky()))).kind).toBe("breaker_open");
  });

  it("closes again when the probe succeeds", async () => {
    const { caller, gate, clock } = harness({ maxRetries: 0 });
    for (let i = 0; i < 3; i++) await failure(caller.call(flaky(server())));
    clock.now += 60_000;
    expect(await caller.call(flaky())).toBe("ok");
    expect(await gate.breakerState()).toMatchObject({ status: "closed", consecutiveFailures: 0 });
    expect(await caller.call(flaky())).toBe("ok");
  });

  it("resets the failure count on success, so only consecutive failures open it", async () => {
    const { caller, gate } = harness({ maxRetries: 0 });
    for (let i = 0; i < 2; i++) await failure(caller.call(flaky(server())));
    await caller.call(flaky());
    for (let i = 0; i < 2; i++) await failure(caller.call(flaky(server())));
    expect(await gate.breakerState()).toMatchObject({ status: "closed", consecutiveFailures: 2 });
  });
});

describe("request budget", () => {
  it("refuses the 9th call in a minute with a limit of 8", async () => {
    const { caller } = harness({ budget: { perMinute: 8, perDay: 800 }, maxWaitMs: 0 });
    for (let i = 0; i < 8; i++) expect(await caller.call(flaky())).toBe("ok");
    const fn = flaky();
    const err = await failure(caller.call(fn));
    expect(err.kind).toBe("budget_exhausted");
    expect(err.message).toContain("minute");
    expect(err.retryAfterSeconds).toBe(8); // 8 per 60 s → one token every 7.5 s
    expect(fn.calls).toBe(0);
  });

  it("waits in line for a short refill instead of failing", async () => {
    const { caller, sleeps } = harness({ budget: { perMinute: 8, perDay: 800 }, maxWaitMs: 10_000 });
    for (let i = 0; i < 8; i++) await caller.call(flaky());
    expect(await caller.call(flaky())).toBe("ok");
    expect(sleeps).toEqual([8000]);
  });

  it("enforces the daily cap too", async () => {
    const { caller, clock } = harness({ budget: { perMinute: 100, perDay: 3 }, maxWaitMs: 1000 });
    for (let i = 0; i < 3; i++) await caller.call(flaky());
    clock.now += 120_000;
    const err = await failure(caller.call(flaky()));
    expect(err.kind).toBe("budget_exhausted");
    expect(err.message).toContain("day");
  });

  it("charges every retry", async () => {
    const { caller } = harness({ budget: { perMinute: 3, perDay: 800 }, maxWaitMs: 0 });
    await caller.call(flaky(server(), server()));
    expect((await failure(caller.call(flaky()))).kind).toBe("budget_exhausted");
  });
});

describe("ResilientProvider over Twelve Data", () => {
  const seriesFor = (url: URL) => {
    const symbols = url.searchParams.get("symbol")!.split(",");
    return json(
      symbols.length === 1 ? fixtures.seriesOk : Object.fromEntries(symbols.map((s) => [s, fixtures.seriesOk])),
    );
  };

  it("charges one credit per symbol and fails only the chunk the budget refused", async () => {
    const fake = fakeTwelveData({ "/time_series": seriesFor });
    const td = new TwelveDataProvider({ apiKey: API_KEY, baseUrl: "https://td.test", fetch: fake.fetch });
    const { caller } = harness({ budget: { perMinute: 8, perDay: 800 }, maxWaitMs: 0 });
    const symbols = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"];
    const result = await new ResilientProvider(td, caller).dailyBars(symbols, "2024-01-01", "2024-01-31");
    expect(fake.seen).toHaveLength(1);
    expect(symbols.map((s) => result.get(s)?.ok)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(result.get("J")).toMatchObject({ ok: false, error: expect.stringContaining("budget exhausted") });
  });

  it("asks for a history longer than one call holds window by window, each charged to the budget", async () => {
    const fake = fakeTwelveData({ "/time_series": seriesFor });
    const td = new TwelveDataProvider({ apiKey: API_KEY, baseUrl: "https://td.test", fetch: fake.fetch });
    // 5 symbols × 2 windows = 10 credits; a budget of 8 a minute admits the first window only.
    const { caller } = harness({ budget: { perMinute: 8, perDay: 800 }, maxWaitMs: 0 });
    const symbols = ["A", "B", "C", "D", "E"];
    const result = await new ResilientProvider(td, caller).dailyBars(symbols, "1995-01-02", "2024-12-31");
    expect(fake.seen.map((r) => r.url.searchParams.get("start_date"))).toEqual(["1995-01-02"]);
    // The second window was refused by the budget: every symbol is failed (a retry fetches it again), none is
    // reported complete with a silent 12-year hole.
    expect(symbols.map((s) => result.get(s)?.ok)).toEqual([false, false, false, false, false]);
    expect(result.get("A")).toMatchObject({ ok: false, error: expect.stringContaining("budget exhausted") });
  });

  it("throws when every chunk failed, so a job retries the whole message", async () => {
    const fake = fakeTwelveData({ "/quote": () => json(fixtures.error401) });
    const td = new TwelveDataProvider({ apiKey: API_KEY, baseUrl: "https://td.test", fetch: fake.fetch });
    const { caller } = harness();
    expect((await failure(new ResilientProvider(td, caller).quotes(["AAPL", "MSFT"]))).kind).toBe("client");
  });

  it("retries a 429 from the vendor, honouring its Retry-After, then succeeds", async () => {
    let calls = 0;
    const fake = fakeTwelveData({
      "/quote": () => (++calls === 1 ? json(fixtures.error429, 429, { "Retry-After": "2" }) : json(fixtures.quoteOk)),
    });
    const td = new TwelveDataProvider({ apiKey: API_KEY, baseUrl: "https://td.test", fetch: fake.fetch });
    const { caller, sleeps } = harness();
    const result = await new ResilientProvider(td, caller).quotes(["AAPL"]);
    expect(result.get("AAPL")?.ok).toBe(true);
    expect(sleeps).toEqual([2000]);
  });
});

describe("createProvider", () => {
  const config = (extra: Record<string, string> = {}) => configSchema.parse({ ...env, ...extra });

  it("serves synthetic data when no Twelve Data key is configured", () => {
    expect(createProvider(env, config()).name).toBe("synthetic");
  });

  it("serves Twelve Data behind the breaker named provider:twelvedata when a key is set", async () => {
    const fake = fakeTwelveData({ "/quote": () => json({ code: 500, message: "boom", status: "error" }, 500) });
    const cfg = config({ TWELVEDATA_API_KEY: API_KEY, PROVIDER_MAX_RETRIES: "0", PROVIDER_BREAKER_THRESHOLD: "1" });
    const provider = createProvider(env, cfg, { fetch: fake.fetch, sleep: async () => {} });
    expect(provider.name).toBe("twelvedata");
    expect(provider.maxSymbolsPerCall).toBe(8);
    const err = await failure(provider.quotes(["AAPL"]));
    expect(err.kind).toBe("server");
    expect(err.message).not.toContain(API_KEY);
    const breaker = await env.RATE_LIMITER.getByName("provider:twelvedata").breakerState();
    expect(breaker.status).toBe("open");
  });
});
