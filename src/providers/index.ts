// Chooses the market-data provider for this deployment: Twelve Data behind the resilience layer, else synthetic.
import type { Config } from "../config";
import { type ResilienceOptions, ResilientCaller, ResilientProvider, resilienceOptions } from "./resilience";
import { SyntheticProvider } from "./synthetic";
import { TWELVEDATA_COSTS, TwelveDataProvider } from "./twelvedata";
import type { MarketDataProvider } from "./types";

export { ResilientCaller, ResilientProvider, withResilience } from "./resilience";
export { SYNTHETIC_UNIVERSE, SyntheticProvider } from "./synthetic";
export { TwelveDataProvider } from "./twelvedata";
export * from "./types";

/** Test seams: a fake vendor (`fetch`) and a deterministic clock, sleep and jitter. */
export type ProviderDeps = { fetch?: typeof fetch } & Pick<ResilienceOptions, "sleep" | "random" | "now">;

export function createProvider(env: Env, cfg: Config, deps: ProviderDeps = {}): MarketDataProvider {
  if (!cfg.TWELVEDATA_API_KEY) {
    return new SyntheticProvider({ seed: cfg.SYNTHETIC_SEED, tickMs: cfg.SYNTHETIC_TICK_MS, now: deps.now });
  }
  const { fetch, ...clock } = deps;
  const vendor = new TwelveDataProvider({
    apiKey: cfg.TWELVEDATA_API_KEY,
    baseUrl: cfg.TWELVEDATA_BASE_URL,
    fetch,
    now: deps.now,
  });
  // One RateLimiter instance per provider holds its breaker and budget, so every isolate sees the same state.
  const gate = env.RATE_LIMITER.getByName(`provider:${vendor.name}`);
  const caller = new ResilientCaller({ ...resilienceOptions(cfg, vendor.name, gate), ...clock });
  return new ResilientProvider(vendor, caller, TWELVEDATA_COSTS);
}
