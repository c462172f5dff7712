// The key's plan: endpoints above it are never called, a vendor 403 becomes a recorded gap, every call is charged
// the credits the vendor charges (its per-endpoint costs, transcribed in the vendor model from the fixtures README).
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config";
import { perPeriod } from "../../src/domain/token-bucket";
import worker from "../../src/index";
import { createProvider } from "../../src/providers";
import { API_KEY, failure } from "./fake-twelvedata";
import { twelveDataVendor, type VendorPlan, vendorBars } from "./twelvedata-vendor";

const NOW = Date.parse("2024-06-28T22:00:00Z");

function setup(vendorPlan: VendorPlan, configuredPlan: string) {
  const symbols = {
    AAPL: {
      bars: vendorBars(["2024-06-26", "2024-06-27", "2024-06-28"]),
      splits: [{ date: "2020-08-31", from_factor: 4, to_factor: 1 }],
      dividends: [{ ex_date: "2024-05-10", amount: 0.25 }],
      marketCaps: [{ date: "2024-06-28", value: 3.2e12 }],
    },
  };
  const vendor = twelveDataVendor({
    apiKey: API_KEY,
    plan: vendorPlan,
    symbols,
    now: () => NOW,
    creditsPerMinute: 1e6,
    creditsPerDay: 1e6,
  });
  // Every test shares the provider:twelvedata RateLimiter object; gaps are kept per plan, so plans do not mix.
  const cfg = configSchema.parse({
    ...env,
    TWELVEDATA_API_KEY: API_KEY,
    TWELVEDATA_PLAN: configuredPlan,
    PROVIDER_BUDGET_PER_MINUTE: "100000",
    PROVIDER_BUDGET_PER_DAY: "1000000",
  });
  const provider = createProvider(env, cfg, {
    fetch: vendor.fetch,
    now: () => NOW,
    sleep: async () => {},
    random: () => 0,
  });
  return { vendor, provider, cfg };
}

const dayBucket = () =>
  env.RATE_LIMITER.getByName("provider:twelvedata").peek({ name: "day", ...perPeriod(1_000_000, 86_400) }, NOW);

describe("a plan-aware provider", () => {
  it("charges every endpoint's credits to the budget: the budget spends what the vendor bills", async () => {
    const { vendor, provider } = setup("pro", "pro");
    const before = (await dayBucket()).remaining;
    await provider.dailyBars(["AAPL"], "2024-06-26", "2024-06-28");
    await provider.quotes(["AAPL"]);
    await provider.splits("AAPL", "2000-01-01", "2024-06-28");
    await provider.dividends("AAPL", "2000-01-01", "2024-06-28");
    await provider.marketCap("AAPL");
    // 1 + 1 + 20 + 20 + 50 credits by the vendor's own table.
    expect(vendor.credits()).toBe(92);
    expect(before - (await dayBucket()).remaining).toBe(vendor.credits());
  });

  it("never calls an endpoint above the configured plan", async () => {
    const { vendor, provider } = setup("basic", "basic");
    for (const call of [
      provider.splits("AAPL", "2000-01-01", "2024-06-28"),
      provider.dividends("AAPL", "2000-01-01", "2024-06-28"),
      provider.marketCap("AAPL"),
    ]) {
      const err = await failure(call);
      expect(err.kind).toBe("unavailable");
      expect(err.retryable).toBe(false);
    }
    expect(vendor.requests).toEqual([]);
  });

  it("records a vendor 403 as a capability gap: not retried, never asked again, reported by /health/ready", async () => {
    // Configured as Grow, but the key is on the free plan: the vendor answers /splits with its 403 body.
    const { vendor, provider } = setup("basic", "grow");
    expect((await failure(provider.splits("AAPL", "2000-01-01", "2024-06-28"))).kind).toBe("unavailable");
    expect(vendor.requests.map((r) => [r.path, r.code])).toEqual([["/splits", 403]]);
    // A later job (a new provider instance) reads the gap and does not ask again.
    const again = setup("basic", "grow");
    expect((await failure(again.provider.splits("AAPL", "2000-01-01", "2024-06-28"))).kind).toBe("unavailable");
    expect(again.vendor.requests).toEqual([]);

    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("http://edgeindex.test/health/ready"),
      { ...env, TWELVEDATA_API_KEY: API_KEY, TWELVEDATA_PLAN: "grow" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const body = (await res.json()) as {
      checks: { provider: { status: string; capability_gaps: string[]; detail: string } };
    };
    // Grow leaves out market caps (/statistics is Pro, /market_cap Ultra); /splits was refused by the vendor.
    expect(body.checks.provider.capability_gaps).toEqual(["market_cap", "market_cap_history", "splits"]);
    expect(body.checks.provider.detail).toContain("grow plan");
  });

  it("reads dated market-cap history on Ultra, 5 credits a page; below Ultra there is no history to ask for", async () => {
    const ultra = setup("ultra", "ultra");
    expect(await ultra.provider.marketCaps?.("AAPL", "2024-01-01", "2024-06-28")).toEqual([
      { date: "2024-06-28", market_cap: 3.2e12 },
    ]);
    expect(ultra.vendor.requests.map((r) => [r.path, r.credits])).toEqual([["/market_cap", 5]]);
    expect(setup("pro", "pro").provider.marketCaps).toBeUndefined();
  });

  it("production refuses the synthetic provider unless configuration allows it", async () => {
    const ready = async (extra: Record<string, string>) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request("http://edgeindex.test/health/ready"), { ...env, ...extra }, ctx);
      await waitOnExecutionContext(ctx);
      return (await res.json()) as { checks: { provider: { status: string; detail: string } } };
    };
    const refused = await ready({ ENVIRONMENT: "production" });
    expect(refused.checks.provider.status).toBe("down");
    expect(refused.checks.provider.detail).toContain("TWELVEDATA_API_KEY");
    expect(() => createProvider(env, configSchema.parse({ ...env, ENVIRONMENT: "production" }))).toThrow(/synthetic/);
    const allowed = await ready({ ENVIRONMENT: "production", ALLOW_SYNTHETIC_PROVIDER: "true" });
    expect(allowed.checks.provider).toMatchObject({ status: "ok", detail: "synthetic provider" });
  });
});
